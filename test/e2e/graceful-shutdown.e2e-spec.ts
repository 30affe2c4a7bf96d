import { Agent, request as httpRequest, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Controller, Get, Module, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parDataSourceOptions } from '../../src/database/data-source-options.js';
import { ParShutdownService } from '../../src/par/lifecycle/par-shutdown.service.js';
import { sha256 } from '../../src/par/common/secrets.js';
import { InteractionService, ParModule } from '../../src/par/index.js';
import { BASIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { queryOf } from '../support/flow.js';
import { authorizationParams, basicAuth, form, pkcePair } from '../support/oauth.js';

/**
 * `app.close()` (what SIGTERM runs through `enableShutdownHooks()`) in the middle of load from clients
 * that keep their connections alive: pushes and full flows, every step over real HTTP.
 */
const CLIENT = { ...BASIC_CLIENT, grant_types: ['authorization_code', 'refresh_token'] };
const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';
const WORKERS = 16;
/** Full flows completed before the shutdown starts, so that it lands in the middle of the load. */
const FLOWS_BEFORE_CLOSE = 4;
/** How long close() may take: far more than the in-flight requests need, less than the test's timeout. */
const CLOSE_BOUND_MS = 8000;

/**
 * How long the host's login page works before it finishes the interaction (a user store, a password
 * hash): requests are then surely in flight when the shutdown starts, whatever the database.
 */
const LOGIN_MS = 100;

/** The host's login page, reduced to signing alice in (all over HTTP, as a browser would). */
@Controller('interaction')
class AutoLoginController {
  constructor(private readonly interactions: InteractionService) {}

  @Get(':uid')
  async login(@Param('uid') uid: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await sleep(LOGIN_MS);
    res.redirect(303, await this.interactions.finish(uid, req, { subject: 'alice' }));
  }
}

@Module({ controllers: [AutoLoginController] })
class AutoLoginModule {}

const SUCCESS = { par: 201, authorize: 303, login: 303, token: 200, refresh: 200 } as const;

/** One HTTP exchange: its answer, or the network error that took its place. */
interface Exchange {
  step: keyof typeof SUCCESS;
  status?: number;
  connection?: string;
  body?: Record<string, unknown>;
  location?: string;
  setCookie?: string;
  error?: string;
  /** The shutdown had started when the answer arrived. */
  duringShutdown: boolean;
  /** token: the code redeemed; refresh: the refresh token used. */
  grant?: string;
}

describe('graceful shutdown under load', () => {
  let db: TestDatabase;
  let t: TestApp;
  let port: number;
  const agent = new Agent({ keepAlive: true, maxSockets: WORKERS });
  const exchanges: Exchange[] = [];
  let closing = false;
  type Outcome = 'resolved' | 'rejected' | 'pending';
  const close: { outcome: Outcome } = { outcome: 'pending' };
  /** How close() stood after CLOSE_BOUND_MS, while the clients were still sending. */
  let closeOutcomeInTime: Outcome = 'pending';
  let refusedAfterClose: string | undefined;

  function send(step: Exchange['step'], method: 'GET' | 'POST', path: string, headers: Record<string, string> = {}, body?: string): Promise<Exchange> {
    return new Promise((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path, agent, headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const exchange: Exchange = {
            step,
            status: res.statusCode,
            connection: res.headers.connection,
            location: res.headers.location,
            setCookie: res.headers['set-cookie']?.[0]?.split(';')[0],
            duringShutdown: closing,
          };
          if ((res.headers['content-type'] ?? '').startsWith('application/json')) exchange.body = JSON.parse(text) as Record<string, unknown>;
          exchanges.push(exchange);
          resolve(exchange);
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        const exchange: Exchange = { step, error: error.code ?? error.message, duringShutdown: closing };
        exchanges.push(exchange);
        resolve(exchange);
      });
      req.end(body);
    });
  }

  const auth = { Authorization: basicAuth(CLIENT.client_id, CLIENT.client_secret) };

  async function push(challenge: string): Promise<Exchange> {
    return send('par', 'POST', '/par', auth, form(authorizationParams(CLIENT.redirect_uris[1], { scope: 'openid offline_access', code_challenge: challenge })));
  }

  /** Push, authorize, log in, redeem the code, refresh; stops at the first step without the expected answer, which it returns. */
  async function fullFlow(): Promise<Exchange> {
    const { verifier, challenge } = pkcePair();
    const pushed = await push(challenge);
    if (pushed.status !== 201) return pushed;
    const query = new URLSearchParams({ client_id: CLIENT.client_id, request_uri: pushed.body?.request_uri as string });
    const authorized = await send('authorize', 'GET', `/authorize?${query}`);
    if (authorized.status !== 303 || !authorized.location || !authorized.setCookie) return authorized;
    const loggedIn = await send('login', 'GET', authorized.location, { Cookie: authorized.setCookie });
    if (loggedIn.status !== 303 || !loggedIn.location) return loggedIn;
    const code = queryOf(loggedIn.location).code as string;
    const redeemed = await send('token', 'POST', '/token', auth, form({ grant_type: 'authorization_code', code, redirect_uri: CLIENT.redirect_uris[1], code_verifier: verifier }));
    redeemed.grant = code;
    if (redeemed.status !== 200) return redeemed;
    const refreshToken = redeemed.body?.refresh_token as string;
    const refreshed = await send('refresh', 'POST', '/token', auth, form({ grant_type: 'refresh_token', refresh_token: refreshToken }));
    refreshed.grant = refreshToken;
    return refreshed;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({
      database: db,
      par: { clients: [CLIENT], rotateRefreshTokens: 'always', shutdownTimeout: 5 },
      register: (options) => ParModule.forRoot({ ...options, isGlobal: true }),
      host: { imports: [AutoLoginModule] },
    });
    port = Number(new URL(t.issuer).port);

    // Half the clients push, half run full flows, each until the server is gone.
    let stop = false;
    const workers = Array.from({ length: WORKERS }, async (_, i) => {
      // Staggered, so that the flows are at different steps when the shutdown comes.
      await sleep(i * 15);
      while (!stop) {
        const last = i % 2 === 0 ? await push(pkcePair().challenge) : await fullFlow();
        if (last.error !== undefined && closing) return;
      }
    });
    while (exchanges.filter((e) => e.step === 'refresh' && e.status === 200).length < FLOWS_BEFORE_CLOSE) await sleep(5);
    closing = true;
    const closed = t.app.close().then(
      () => void (close.outcome = 'resolved'),
      () => void (close.outcome = 'rejected'),
    );
    await Promise.race([closed, sleep(CLOSE_BOUND_MS)]);
    closeOutcomeInTime = close.outcome;
    stop = true;
    await Promise.all(workers);
    refusedAfterClose = await new Promise<string | undefined>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/jwks', agent: false }, (res) => resolve(`answered ${res.statusCode}`));
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code));
      req.end();
    });
    await closed;
    agent.destroy();
  }, 30_000);

  afterAll(async () => {
    await db?.drop();
  });

  it('close() resolves while clients keep their connections busy', () => {
    expect(closeOutcomeInTime).toBe('resolved');
  });

  it('no answer is a 5xx, before or during the shutdown', () => {
    const answered = exchanges.filter((e) => e.status !== undefined);
    expect(answered.filter((e) => e.step === 'refresh').length).toBeGreaterThanOrEqual(FLOWS_BEFORE_CLOSE);
    expect(answered.filter((e) => (e.status ?? 0) >= 500)).toEqual([]);
  });

  it('requests in flight or arriving on busy connections during the shutdown are answered, with Connection: close', () => {
    const during = exchanges.filter((e) => e.duringShutdown && e.status !== undefined);
    expect(during.map((e) => e.status)).toEqual(during.map((e) => SUCCESS[e.step]));
    // Answers already sent when close() was called (but read by the client after) keep their keep-alive.
    expect(during.filter((e) => e.connection === 'close').length).toBeGreaterThan(0);
  });

  it('every login answered with a code has the code stored', async () => {
    const codes = exchanges.filter((e) => e.step === 'login' && e.status === 303).map((e) => sha256(queryOf(e.location as string).code as string));
    const rows = await db.query<{ code_hash: string }>('SELECT code_hash FROM par_authorization_code WHERE code_hash = ANY($1)', [codes]);
    expect(rows.length).toBe(codes.length);
  });

  it('network errors only come from connections the server closed or refused during the shutdown', () => {
    const failed = exchanges.filter((e) => e.error !== undefined);
    expect(failed.filter((e) => !e.duringShutdown)).toEqual([]);
    for (const e of failed) expect(['ECONNREFUSED', 'ECONNRESET', 'socket hang up', 'EPIPE']).toContain(e.error);
  });

  it('every push answered 201 has its row in par_pushed_request', async () => {
    const pushed = exchanges.filter((e) => e.step === 'par' && e.status === 201);
    const hashes = pushed.map((e) => sha256((e.body?.request_uri as string).slice(REQUEST_URI_PREFIX.length)));
    const rows = await db.query<{ reference_hash: string }>('SELECT reference_hash FROM par_pushed_request WHERE reference_hash = ANY($1)', [hashes]);
    expect(rows.length).toBe(hashes.length);
  });

  it('every token answer 200 has its code or refresh token consumed and its new refresh token stored', async () => {
    const tokens = exchanges.filter((e) => (e.step === 'token' || e.step === 'refresh') && e.status === 200);
    expect(tokens.length).toBeGreaterThan(0);
    const issued = tokens.map((e) => sha256(e.body?.refresh_token as string));
    const stored = await db.query<{ token_hash: string }>('SELECT token_hash FROM par_refresh_token WHERE token_hash = ANY($1)', [issued]);
    expect(stored.length).toBe(issued.length);
    const codes = tokens.filter((e) => e.step === 'token').map((e) => sha256(e.grant as string));
    const consumedCodes = await db.query<{ code_hash: string }>('SELECT code_hash FROM par_authorization_code WHERE code_hash = ANY($1) AND consumed_at IS NOT NULL', [codes]);
    expect(consumedCodes.length).toBe(codes.length);
    const used = tokens.filter((e) => e.step === 'refresh').map((e) => sha256(e.grant as string));
    const consumedRefresh = await db.query<{ token_hash: string }>('SELECT token_hash FROM par_refresh_token WHERE token_hash = ANY($1) AND consumed_at IS NOT NULL', [used]);
    expect(consumedRefresh.length).toBe(used.length);
  });

  it('connections after close() are refused', () => {
    expect(refusedAfterClose).toBe('ECONNREFUSED');
  });
});

/** A host route that answers only when told to (or never). */
@Controller('slow')
class SlowController {
  /** Releases of the requests waiting. */
  static readonly waiting: (() => void)[] = [];

  @Get()
  async slow(): Promise<{ ok: true }> {
    await new Promise<void>((resolve) => SlowController.waiting.push(resolve));
    return { ok: true };
  }
}

/** Waits until a request reached the slow route and returns what releases it. */
async function slowRequestArrived(): Promise<() => void> {
  for (;;) {
    const release = SlowController.waiting.shift();
    if (release) return release;
    await sleep(5);
  }
}

@Module({ controllers: [SlowController] })
class SlowModule {}

describe('graceful shutdown: bounds and hosts without a listening server', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  function get(port: number, path: string): Promise<string> {
    return new Promise((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(`${res.statusCode} ${res.headers.connection}`));
      });
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      req.end();
    });
  }

  it('a request still running after shutdownTimeout has its connection closed, and close() resolves', async () => {
    const t = await createTestApp({ database: db, par: { clients: [CLIENT], shutdownTimeout: 1 }, host: { imports: [SlowModule] } });
    const port = Number(new URL(t.issuer).port);
    const answer = get(port, '/slow');
    await slowRequestArrived();
    await t.close();
    expect(await answer).toBe('ECONNRESET');
  });

  it('a request that finishes within shutdownTimeout is answered with Connection: close', async () => {
    const t = await createTestApp({ database: db, par: { clients: [CLIENT], shutdownTimeout: 5 }, host: { imports: [SlowModule] } });
    const port = Number(new URL(t.issuer).port);
    const answer = get(port, '/slow');
    const release = await slowRequestArrived();
    const closed = t.close();
    await sleep(50);
    release();
    await closed;
    expect(await answer).toBe('200 close');
  });

  it('close() works when the host closed the HTTP server itself', async () => {
    const t = await createTestApp({ database: db, par: { clients: [CLIENT] } });
    const server = t.app.getHttpServer() as Server;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await t.close();
    expect(server.listening).toBe(false);
  });

  it('close() works in an application context (no HTTP server)', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [TypeOrmModule.forRoot(parDataSourceOptions(db.settings)), ParModule.forRoot({ issuer: 'http://127.0.0.1:1', clients: [CLIENT], purgeInterval: 0 })],
    }).compile();
    const context = await moduleRef.init();
    await context.close();
    expect(context.get(ParShutdownService)).toBeInstanceOf(ParShutdownService);
  });
});
