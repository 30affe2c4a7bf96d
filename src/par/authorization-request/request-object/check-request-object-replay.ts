// RFC 9101 §10.1 (replay) with RFC 7519 §4.1.7: `jti` is optional in a request object; when present, each value is accepted once per client until the object expires.
import type { Client } from '../../clients/client.js';
import { invalidRequestObject } from '../../errors/oauth-error.js';
import type { ReplayStore } from '../../persistence/stores.js';
import type { RequestObjectClaims } from './request-object-payload.js';

/** Longest accepted `jti`, in characters (the same bound as for client assertions). */
const MAX_JTI_LENGTH = 512;

/**
 * Refuses a malformed `jti`, and a request object whose `jti` this client already used while that
 * object could still be valid (`exp` + `clockSkew`): `invalid_request_object`. One atomic statement of
 * the {@link ReplayStore}, so that exactly one of concurrent pushes of the same object wins, across
 * processes. Neither RFC 9101 nor FAPI require `jti`, so its absence is accepted.
 * @see https://www.rfc-editor.org/rfc/rfc9101#section-10.1
 */
export async function checkRequestObjectReplay(claims: RequestObjectClaims, client: Client, exp: number, replay: ReplayStore, nowMs: number, clockSkew: number): Promise<void> {
  const jti = claims.jti;
  if (jti === undefined) return;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
    throw invalidRequestObject(`request object jti must be a non-empty string of at most ${MAX_JTI_LENGTH} characters`);
  }
  const first = await replay.firstUse(`request_object\n${client.id}\n${jti}`, new Date((exp + clockSkew) * 1000), new Date(nowMs));
  if (!first) throw invalidRequestObject('request object jti has already been used');
}
