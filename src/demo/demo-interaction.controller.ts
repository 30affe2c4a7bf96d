import { Body, Controller, Get, HttpException, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { InteractionNotFoundError, InteractionService, PAR_OPTIONS, type ResolvedParOptions } from '../par/index.js';
import { readCookie } from '../par/common/cookies.js';
import { sendRedirect } from '../par/errors/oauth-exception.filter.js';
import { escapeHtml } from '../par/common/html.js';
import { DemoSessions, recentEnough } from './demo-sessions.js';
import { verifyPassword } from './demo-users.js';
import { consentPage, loginPage } from './demo-views.js';

/** One CSRF cookie per interaction, so that two sign-ins in two tabs do not overwrite each other's token. */
const csrfCookie = (uid: string): string => `demo_csrf_${uid.slice(0, 16)}`;

/**
 * The demo's login and consent pages: the host side of ParModule's interaction contract. Plain HTML
 * forms, CSRF-protected by a double-submit cookie; the demo keeps a login session, so a second flow
 * asks only for consent.
 */
@Controller('interaction')
export class DemoInteractionController {
  private readonly secure: boolean;

  constructor(
    private readonly interactions: InteractionService,
    private readonly sessions: DemoSessions,
    @Inject(PAR_OPTIONS) options: ResolvedParOptions,
  ) {
    this.secure = options.issuer.startsWith('https:');
  }

  @Get(':uid')
  async show(@Param('uid') uid: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.guard(res, async () => {
      const details = await this.interactions.details(uid, req);
      const session = this.sessions.current(req);
      // prompt=none never comes here: the demo's silentInteraction ends it at /authorize.
      const fresh = session !== undefined && !details.prompt.includes('login') && recentEnough(session, details.maxAge);
      if (fresh) return this.page(res, consentPage(details, session.user, this.csrf(res, uid)), 200, details.redirectUri);
      return this.page(res, loginPage(details, this.csrf(res, uid)));
    });
  }

  @Post(':uid/login')
  async login(@Param('uid') uid: string, @Body() body: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.guard(res, async () => {
      this.checkCsrf(req, body, uid);
      const details = await this.interactions.details(uid, req);
      const user = verifyPassword(text(body.username), text(body.password));
      if (!user) return this.page(res, loginPage(details, this.csrf(res, uid), 'Wrong username or password.'), 401);
      this.sessions.start(res, user, this.secure);
      return this.page(res, consentPage(details, user, this.csrf(res, uid)), 200, details.redirectUri);
    });
  }

  @Post(':uid/consent')
  async consent(@Param('uid') uid: string, @Body() body: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.guard(res, async () => {
      this.checkCsrf(req, body, uid);
      const session = this.sessions.current(req);
      if (body.decision !== 'approve') return this.redirect(res, await this.interactions.deny(uid, req, 'access_denied'));
      if (!session) return this.redirect(res, `/interaction/${encodeURIComponent(uid)}`);
      return this.redirect(res, await this.interactions.finish(uid, req, { subject: session.user.subject, authTime: session.authTime, amr: ['pwd'] }));
    });
  }

  private async guard(res: Response, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      if (error instanceof InteractionNotFoundError || (error instanceof HttpException && error.getStatus() === 403)) {
        const status = error.getStatus();
        const message = status === 403 ? 'The form has expired. Go back and try again.' : 'This sign-in link is no longer valid. Return to the application and start again.';
        return this.page(res, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in</title></head><body><h1>Sign-in</h1><p>${escapeHtml(message)}</p></body></html>`, status);
      }
      throw error;
    }
  }

  /**
   * Sends a page. Browsers apply the CSP `form-action` to the redirect that follows a form post, so a
   * page whose form ends at the client (consent) must allow the redirect_uri's origin too.
   */
  private page(res: Response, html: string, status = 200, redirectUri?: string): void {
    const formAction = ["'self'", ...(redirectUri ? [formActionSource(redirectUri)] : [])].join(' ');
    res
      .status(status)
      .set({ 'Cache-Control': 'no-store', 'Content-Security-Policy': `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}`, 'X-Frame-Options': 'DENY' })
      .type('html')
      .send(html);
  }

  private redirect(res: Response, location: string): void {
    sendRedirect(res, location);
  }

  private csrf(res: Response, uid: string): string {
    const token = randomBytes(32).toString('base64url');
    res.append('Set-Cookie', `${csrfCookie(uid)}=${token}; Path=/interaction; Max-Age=3600; HttpOnly; SameSite=Strict${this.secure ? '; Secure' : ''}`);
    return token;
  }

  private checkCsrf(req: Request, body: Record<string, unknown>, uid: string): void {
    const cookie = Buffer.from(readCookie(req, csrfCookie(uid)) ?? '');
    const field = Buffer.from(text(body.csrf));
    if (cookie.length === 0 || cookie.length !== field.length || !timingSafeEqual(cookie, field)) {
      throw new HttpException('csrf', 403);
    }
  }
}

/** The CSP source for a redirect_uri: its origin, or its scheme for non-web (app) URIs. */
function formActionSource(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

