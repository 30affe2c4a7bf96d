import { randomBytes } from 'node:crypto';
import { Global, Module } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ParModule, type ParModuleOptions, PurgeService, RateLimiter } from '../../src/par/index.js';
import { BASIC_CLIENT, POST_CLIENT } from '../fixtures/clients.js';
import { createTestApp, createTestAppInstances, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { authorizationParams, basicAuth, form } from '../support/oauth.js';
import { manualClock, type ManualClock, type TestClient, tokenRequest } from '../support/tokens.js';

/**
 * Rate limits of /par and /token (RFC 9126 §2.3): 429 temporarily_unavailable with Retry-After, per
 * registered client and per address, in fixed windows of the injected clock, shared by the instances
 * through par_rate_limits, with bounded memory.
 */
const CLIENT = { ...BASIC_CLIENT, grant_types: ['authorization_code'] };
const OTHER = { ...POST_CLIENT, scope: 'openid profile', grant_types: ['authorization_code'] };
/** A window boundary (a multiple of 60 s), and 15 s into that window. */
const WINDOW_START = Date.UTC(2030, 0, 1, 12, 0, 0);
const START = WINDOW_START + 15_000;
const OFF = { perClient: false, perAddress: false } as const;

function push(t: TestApp, client: TestClient, headers: Record<string, string> = {}): request.Test {
  const params = authorizationParams(client.redirect_uris[0] ?? '');
  const post = request(t.server).post('/par').set(headers).type('form');
  if (client.token_endpoint_auth_method === 'client_secret_post') {
    return post.send(form({ ...params, client_id: client.client_id, client_secret: client.client_secret ?? '' }));
  }
  return post.set('Authorization', basicAuth(client.client_id, client.client_secret ?? '')).send(form(params));
}

/** A token request that reaches the grant and fails there (400 invalid_grant): it still counts. */
const badCode = (t: TestApp, client: TestClient) => tokenRequest(t, client, { grant_type: 'authorization_code', code: 'no-such-code', code_verifier: 'v'.repeat(43), redirect_uri: client.redirect_uris[0] });

function expectTooMany(res: request.Response, kind: 'client' | 'address', retryAfter: number): void {
  expectOAuthError(res, 429, 'temporarily_unavailable');
  expect({ body: res.body as unknown, retryAfter: res.headers['retry-after'], pragma: res.headers.pragma }).toEqual({
    body: { error: 'temporarily_unavailable', error_description: `too many requests from this ${kind}; retry after ${retryAfter} seconds` },
    retryAfter: String(retryAfter),
    pragma: 'no-cache',
  });
}

async function app(db: TestDatabase, par: Partial<ParModuleOptions>, trustProxy = false): Promise<TestApp> {
  return createTestApp({
    database: db,
    par: { clients: [CLIENT, OTHER], ...par },
    ...(trustProxy && { configure: (nest) => void (nest as NestExpressApplication).set('trust proxy', 'loopback') }),
  });
}

describe('rate limits', () => {
  let db: TestDatabase;
  let clock: ManualClock;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((t) => t.close()));
    await db.query('DELETE FROM par_rate_limits').catch(() => undefined);
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function start(par: Partial<ParModuleOptions>, trustProxy = false): Promise<TestApp> {
    clock = manualClock(START);
    const t = await app(db, { clock, ...par }, trustProxy);
    apps.push(t);
    return t;
  }

  it('refuses the pushes of a client beyond its limit with 429, Retry-After until the window ends, no-store', async () => {
    const t = await start({ rateLimits: { pushedAuthorization: { perClient: { limit: 3, windowSeconds: 60 }, perAddress: false }, token: OFF } });
    for (let i = 0; i < 3; i++) expect((await push(t, CLIENT)).status).toBe(201);
    expectTooMany(await push(t, CLIENT), 'client', 45);
    clock.advance(44.5);
    expectTooMany(await push(t, CLIENT), 'client', 1);
    // Another client has its own budget.
    expect((await push(t, OTHER)).status).toBe(201);
  });

  it('counts a client before checking its credentials: a wrong secret counts, and is refused with 429 once over', async () => {
    const t = await start({ rateLimits: { pushedAuthorization: { perClient: { limit: 2, windowSeconds: 60 }, perAddress: false }, token: OFF } });
    const guess = { ...CLIENT, client_secret: 'wrong-secret-0123456789abcdef0123456789' };
    expectOAuthError(await push(t, guess), 401, 'invalid_client');
    expectOAuthError(await push(t, guess), 401, 'invalid_client');
    expectTooMany(await push(t, guess), 'client', 45);
    expectTooMany(await push(t, CLIENT), 'client', 45);
  });

  it('opens a new budget when the window rolls over', async () => {
    const t = await start({ rateLimits: { pushedAuthorization: { perClient: { limit: 1, windowSeconds: 10 }, perAddress: false }, token: OFF } });
    // 15 s after a minute boundary: the 10 s window started 5 s ago.
    expect((await push(t, CLIENT)).status).toBe(201);
    expectTooMany(await push(t, CLIENT), 'client', 5);
    clock.advance(4);
    expectTooMany(await push(t, CLIENT), 'client', 1);
    clock.advance(1);
    expect((await push(t, CLIENT)).status).toBe(201);
    expectTooMany(await push(t, CLIENT), 'client', 10);
  });

  it('limits an address on /par whichever client it names, and before authentication', async () => {
    const t = await start({ rateLimits: { pushedAuthorization: { perClient: false, perAddress: { limit: 2, windowSeconds: 60 } }, token: OFF } });
    expect((await push(t, CLIENT)).status).toBe(201);
    expect((await push(t, OTHER)).status).toBe(201);
    expectTooMany(await push(t, OTHER), 'address', 45);
    expectTooMany(await push(t, { ...CLIENT, client_id: 'nobody' }), 'address', 45);
  });

  it('limits a client on /token, counting requests that fail at the grant', async () => {
    const t = await start({ rateLimits: { pushedAuthorization: OFF, token: { perClient: { limit: 2, windowSeconds: 30 }, perAddress: false } } });
    expectOAuthError(await badCode(t, CLIENT), 400, 'invalid_grant');
    expectOAuthError(await badCode(t, CLIENT), 400, 'invalid_grant');
    expectTooMany(await badCode(t, CLIENT), 'client', 15);
    expectOAuthError(await badCode(t, OTHER), 400, 'invalid_grant');
    // /par has its own limits (off here).
    expect((await push(t, CLIENT)).status).toBe(201);
    clock.advance(15);
    expectOAuthError(await badCode(t, CLIENT), 400, 'invalid_grant');
  });

  it('limits an address on /token, whichever client it names', async () => {
    const t = await start({ rateLimits: { pushedAuthorization: OFF, token: { perClient: false, perAddress: { limit: 2, windowSeconds: 60 } } } });
    expectOAuthError(await badCode(t, CLIENT), 400, 'invalid_grant');
    expectOAuthError(await badCode(t, OTHER), 400, 'invalid_grant');
    expectTooMany(await badCode(t, CLIENT), 'address', 45);
    const anonymous = await request(t.server).post('/token').type('form').send(form({ grant_type: 'authorization_code', code: 'x' }));
    expectTooMany(anonymous, 'address', 45);
  });

  it('by default refuses the 1001st request of an address within a minute on each endpoint', async () => {
    const t = await start({});
    const unknown = () => push(t, { ...CLIENT, client_id: 'nobody' });
    for (let i = 0; i < 1000; i += 50) {
      const answers = await Promise.all(Array.from({ length: 50 }, unknown));
      expect(answers.map((res) => res.status)).toEqual(Array(50).fill(401));
    }
    expectTooMany(await unknown(), 'address', 45);
    expectOAuthError(await badCode(t, CLIENT), 400, 'invalid_grant');
  });

  it('rateLimits: false turns every limit off: 1001 requests of one address pass, nothing is counted', async () => {
    const t = await start({ rateLimits: false });
    const unknown = () => push(t, { ...CLIENT, client_id: 'nobody' });
    for (let i = 0; i < 1001; i += 77) {
      const answers = await Promise.all(Array.from({ length: 77 }, unknown));
      expect(answers.map((res) => res.status)).toEqual(Array(77).fill(401));
    }
    const limiter = t.app.get(RateLimiter);
    await limiter.sync();
    expect(limiter.size).toBe(0);
    expect(await db.query('SELECT * FROM par_rate_limits')).toEqual([]);
  });

  it('stores each key and window once per sync, and the purge deletes closed windows', async () => {
    const t = await start({ rateLimits: { pushedAuthorization: { perClient: { limit: 10, windowSeconds: 60 }, perAddress: { limit: 10, windowSeconds: 60 } }, token: OFF, syncInterval: 60_000 } });
    for (let i = 0; i < 3; i++) expect((await push(t, CLIENT)).status).toBe(201);
    const limiter = t.app.get(RateLimiter);
    await limiter.sync();
    expect((await push(t, CLIENT)).status).toBe(201);
    await limiter.sync();
    const rows = await db.query<{ key: string; window_start: Date; count: number; expires_at: Date }>('SELECT key, window_start, count, expires_at FROM par_rate_limits ORDER BY key');
    expect(rows.map((r) => ({ ...r, window_start: new Date(r.window_start).getTime(), expires_at: new Date(r.expires_at).getTime() }))).toEqual([
      { key: 'par|address|127.0.0.1', window_start: WINDOW_START, count: 4, expires_at: WINDOW_START + 60_000 },
      { key: `par|client|${CLIENT.client_id}`, window_start: WINDOW_START, count: 4, expires_at: WINDOW_START + 60_000 },
    ]);
    clock.advance(46);
    await limiter.sync();
    expect(limiter.size).toBe(0);
    expect(await t.app.get(PurgeService).purgeOnce()).toBe(2);
    expect(await db.query('SELECT * FROM par_rate_limits')).toEqual([]);
  });

  it('keeps counting locally while the table cannot be written, never failing a request, and sends the counts once it can', async () => {
    const t = await start({ rateLimits: { pushedAuthorization: { perClient: { limit: 3, windowSeconds: 60 }, perAddress: false }, token: OFF, syncInterval: 60_000 } });
    const limiter = t.app.get(RateLimiter);
    await db.query('ALTER TABLE par_rate_limits RENAME TO par_rate_limits_away');
    try {
      expect((await push(t, CLIENT)).status).toBe(201);
      await limiter.sync();
      expect((await push(t, CLIENT)).status).toBe(201);
      await limiter.sync();
      expect((await push(t, CLIENT)).status).toBe(201);
      expectTooMany(await push(t, CLIENT), 'client', 45);
      expect(await db.query('SELECT count(*)::int AS n FROM par_rate_limits_away')).toEqual([{ n: 0 }]);
    } finally {
      await db.query('ALTER TABLE par_rate_limits_away RENAME TO par_rate_limits');
    }
    await limiter.sync();
    expect(await db.query('SELECT key, count FROM par_rate_limits')).toEqual([{ key: `par|client|${CLIENT.client_id}`, count: 3 }]);
  });

  it('makes no counter for client_ids that name no registered client: a flood of random ids leaves one counter', async () => {
    const t = await start({ rateLimits: { pushedAuthorization: { perClient: { limit: 5, windowSeconds: 60 }, perAddress: { limit: 100_000, windowSeconds: 60 } }, token: OFF } });
    for (let round = 0; round < 10; round++) {
      const answers = await Promise.all(Array.from({ length: 30 }, () => push(t, { ...CLIENT, client_id: randomBytes(12).toString('hex') })));
      expect(answers.map((res) => res.status)).toEqual(Array(30).fill(401));
    }
    const limiter = t.app.get(RateLimiter);
    expect(limiter.size).toBe(1);
    await limiter.sync();
    expect(await db.query('SELECT key, count FROM par_rate_limits')).toEqual([{ key: 'par|address|127.0.0.1', count: 300 }]);
  });

  it('keeps at most maxKeys counters when addresses flood in, and drops them when their window closes', async () => {
    const t = await start({ rateLimits: { pushedAuthorization: { perClient: false, perAddress: { limit: 1, windowSeconds: 60 } }, token: OFF, maxKeys: 10 } }, true);
    const from = (address: string) => push(t, CLIENT, { 'X-Forwarded-For': address });
    expect((await from('198.51.100.1')).status).toBe(201);
    expectTooMany(await from('198.51.100.1'), 'address', 45);
    for (let i = 2; i < 60; i++) expect((await from(`198.51.100.${i}`)).status).toBe(201);
    const limiter = t.app.get(RateLimiter);
    expect(limiter.size).toBe(10);
    // Addresses counted before the cap stay limited.
    expectTooMany(await from('198.51.100.1'), 'address', 45);
    clock.advance(45);
    await limiter.sync();
    expect(limiter.size).toBe(0);
    expect((await from('198.51.100.59')).status).toBe(201);
    expect(limiter.size).toBe(1);
  });

  it('counts an IPv6 client per /64', async () => {
    const t = await start({ rateLimits: { pushedAuthorization: { perClient: false, perAddress: { limit: 2, windowSeconds: 60 } }, token: OFF } }, true);
    expect((await push(t, CLIENT, { 'X-Forwarded-For': '2001:db8:1:2::1' })).status).toBe(201);
    expect((await push(t, CLIENT, { 'X-Forwarded-For': '2001:db8:1:2::2' })).status).toBe(201);
    expectTooMany(await push(t, CLIENT, { 'X-Forwarded-For': '2001:db8:1:2:ffff::3' }), 'address', 45);
    expect((await push(t, CLIENT, { 'X-Forwarded-For': '2001:db8:1:3::1' })).status).toBe(201);
  });
});

@Global()
@Module({ providers: [{ provide: getDataSourceToken(), useValue: {} }], exports: [getDataSourceToken()] })
class FakeDataSourceModule {}

describe('rate limit options at boot', () => {
  const boot = (rateLimits: ParModuleOptions['rateLimits'] | Record<string, unknown>) =>
    Test.createTestingModule({
      imports: [FakeDataSourceModule, ParModule.forRoot({ issuer: 'https://as.example.com', clients: [CLIENT], rateLimits: rateLimits as ParModuleOptions['rateLimits'] })],
    }).compile();

  it('fails the boot on bad rate limit options, naming the option', async () => {
    await expect(boot({ token: { perClient: { limit: 0, windowSeconds: 60 } } })).rejects.toThrow(
      'ParModule option "rateLimits.token.perClient.limit" must be an integer from 1 to 1000000000 (got 0)',
    );
    await expect(boot({ pushedAuthorization: { perAddress: { limit: 10 } } })).rejects.toThrow(
      'ParModule option "rateLimits.pushedAuthorization.perAddress.windowSeconds" is required (an integer from 1 to 86400)',
    );
    await expect(boot({ syncInterval: 5 })).rejects.toThrow('ParModule option "rateLimits.syncInterval" must be an integer from 10 to 60000 (got 5)');
    await expect(boot({ maxKeys: 1.5 })).rejects.toThrow('ParModule option "rateLimits.maxKeys" must be an integer from 10 to 10000000 (got 1.5)');
    await expect(boot({ token: 'off' })).rejects.toThrow('ParModule option "rateLimits.token" must be an object with perClient and perAddress');
    await expect(boot(true as unknown as Record<string, unknown>)).rejects.toThrow('ParModule option "rateLimits" must be false or an object');
  });
});

describe('rate limits across two instances on one database', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  const clock = manualClock(START);

  beforeAll(async () => {
    db = await createTestDatabase();
    [a, b] = (await createTestAppInstances(2, {
      database: db,
      par: { clients: [CLIENT, OTHER], clock, rateLimits: { pushedAuthorization: { perClient: { limit: 3, windowSeconds: 60 }, perAddress: false }, token: { perClient: false, perAddress: { limit: 4, windowSeconds: 60 } }, syncInterval: 20 } },
    })) as [TestApp, TestApp];
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('refuses a push on B once A used the client budget and both synced', async () => {
    for (let i = 0; i < 3; i++) expect((await push(a, CLIENT)).status).toBe(201);
    await a.app.get(RateLimiter).sync();
    await b.app.get(RateLimiter).sync();
    expectTooMany(await push(b, CLIENT), 'client', 45);
    expectTooMany(await push(a, CLIENT), 'client', 45);
    expect((await push(b, OTHER)).status).toBe(201);
  });

  it('adds up what each instance admitted', async () => {
    expectOAuthError(await badCode(a, CLIENT), 400, 'invalid_grant');
    expectOAuthError(await badCode(a, CLIENT), 400, 'invalid_grant');
    expectOAuthError(await badCode(b, CLIENT), 400, 'invalid_grant');
    expectOAuthError(await badCode(b, OTHER), 400, 'invalid_grant');
    await a.app.get(RateLimiter).sync();
    await b.app.get(RateLimiter).sync();
    await a.app.get(RateLimiter).sync();
    expectTooMany(await badCode(a, OTHER), 'address', 45);
    expectTooMany(await badCode(b, CLIENT), 'address', 45);
    expect(await db.query('SELECT key, count FROM par_rate_limits WHERE key LIKE $1', ['token|%'])).toEqual([{ key: 'token|address|127.0.0.1', count: 4 }]);
  });

  it('learns the totals on its own every syncInterval', async () => {
    clock.advance(60);
    for (let i = 0; i < 3; i++) expect((await push(a, OTHER)).status).toBe(201);
    // No explicit sync: A's timer sends its counts, B's (running once B sees requests) reads them.
    await vi.waitFor(async () => expectTooMany(await push(b, OTHER), 'client', 45), { timeout: 5000, interval: 50 });
  });
});
