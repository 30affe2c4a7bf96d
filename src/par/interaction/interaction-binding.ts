import type { Request } from 'express';
import { cookieHeader, readCookie } from '../common/cookies.js';
import { randomToken, sha256 } from '../common/secrets.js';
import type { NewInteraction } from '../persistence/stores.js';

/** A new interaction: its uid (in the host's URL) and the secret for the browser's cookie. */
export interface InteractionBinding {
  readonly uid: string;
  readonly secret: string;
  readonly stored: NewInteraction;
}

/** Cookie name of interaction `uid`: one per interaction, so that two tabs do not disturb each other. */
export function interactionCookieName(uid: string): string {
  return `par_interaction_${uid.slice(0, 16)}`;
}

/** A fresh uid and browser secret (256 bits each); only their hashes are stored. */
export function newInteractionBinding(): InteractionBinding {
  const uid = randomToken(32);
  const secret = randomToken(32);
  return { uid, secret, stored: { uidHash: sha256(uid), bindingHash: sha256(secret) } };
}

/** The Set-Cookie header that binds interaction `uid` to this browser. */
export function interactionCookie(binding: InteractionBinding, maxAgeSeconds: number, secure: boolean): string {
  return cookieHeader(interactionCookieName(binding.uid), binding.secret, maxAgeSeconds, secure);
}

/** The stored hashes for interaction `uid` as presented by this browser, or undefined without its cookie. */
export function presentedBinding(req: Request, uid: string): NewInteraction | undefined {
  if (typeof uid !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(uid)) return undefined;
  const secret = readCookie(req, interactionCookieName(uid));
  if (secret === undefined) return undefined;
  return { uidHash: sha256(uid), bindingHash: sha256(secret) };
}
