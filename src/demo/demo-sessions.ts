import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { readCookie } from '../par/common/cookies.js';
import type { InteractionDetails, SilentInteraction } from '../par/index.js';
import { AUTO_APPROVE_USER, type DemoUser } from './demo-users.js';

const COOKIE = 'demo_session';
const LIFETIME_SECONDS = 8 * 60 * 60;

/** A signed-in user of the demo, as its session cookie says. */
export interface DemoSession {
  readonly user: DemoUser;
  /** Seconds since the epoch. */
  readonly authTime: number;
}

/**
 * The demo's own login sessions, in memory (a real host keeps them wherever it keeps sessions): a second
 * authorization in the same browser needs no password, unless prompt=login or max_age says otherwise.
 */
@Injectable()
export class DemoSessions {
  private readonly sessions = new Map<string, DemoSession & { expires: number }>();

  start(res: Response, user: DemoUser, secure: boolean): DemoSession {
    const id = randomBytes(32).toString('base64url');
    const session = { user, authTime: Math.floor(Date.now() / 1000), expires: Date.now() + LIFETIME_SECONDS * 1000 };
    this.sessions.set(id, session);
    res.append('Set-Cookie', `${COOKIE}=${id}; Path=/; Max-Age=${LIFETIME_SECONDS}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`);
    return session;
  }

  current(req: Request): DemoSession | undefined {
    const id = readCookie(req, COOKIE);
    const session = id === undefined ? undefined : this.sessions.get(id);
    if (session === undefined) return undefined;
    if (session.expires < Date.now()) {
      this.sessions.delete(id as string);
      return undefined;
    }
    return session;
  }
}

/** Whether a session's login satisfies OIDC `max_age` (seconds; undefined: any login does). */
export function recentEnough(session: DemoSession, maxAge: number | undefined): boolean {
  return maxAge === undefined || session.authTime + maxAge >= Math.floor(Date.now() / 1000);
}

/**
 * The demo's `silentInteraction`: what /authorize can decide without a page. The demo remembers no
 * consent, so a signed-in user still sees the consent page; only `prompt=none` ends silently, with
 * `consent_required` (signed in, recently enough for max_age) or, by answering nothing, `login_required`.
 * With `autoApprove` (BENCH_AUTO_APPROVE=1, benchmarks only) alice is always signed in and has granted
 * everything asked, so every authorization ends at /authorize with a code, as a returning user's would.
 */
export function demoSilentInteraction(sessions: DemoSessions, autoApprove: boolean): SilentInteraction {
  if (autoApprove) return () => ({ subject: AUTO_APPROVE_USER.subject, amr: ['pwd'] });
  return (req: Request, details: InteractionDetails) => {
    if (!details.prompt.includes('none')) return undefined;
    const session = sessions.current(req);
    if (session === undefined) return undefined;
    return recentEnough(session, details.maxAge) ? 'consent_required' : 'login_required';
  };
}
