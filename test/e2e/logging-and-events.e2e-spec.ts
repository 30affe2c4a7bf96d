import { Controller, Get, Module } from '@nestjs/common';
import { generateKeyPair } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientMetadata, currentRequestId, InteractionService, type ParEvent, ParEvents } from '../../src/par/index.js';
import { BASIC_CLIENT, makeJwtClient, type JwtClientFixture } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createDemoApp, type DemoApp, type RedirectTarget, startRedirectTarget } from '../support/demo-app.js';
import { dpopProof, makeDpopKey, type DpopKey } from '../support/dpop.js';
import { browserRequest, pushRequest, queryOf, startInteraction } from '../support/flow.js';
import { requestContextRead } from '../../src/par/observability/request-context.js';
import { CapturingLogger } from '../support/logs.js';
import { authorizationParams, basicAuth, clientAssertion, form, JWT_BEARER, pkcePair } from '../support/oauth.js';

/**
 * Issue #7 part 6: structured logs with a request id, with no secret in any line even at the most
 * verbose level, and the protocol events a host audits.
 */

const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';
const GENERATED_ID = /^[A-Za-z0-9_-]{12}$/;
const PASSWORD = 'wonderland';

/** A clock that stands still between requests and is moved to the wall clock by `tick` (so `at` is known). */
function steppedClock(): { now(): number; tick(): string } {
  let current = Date.now();
  return {
    now: () => current,
    tick: () => {
      current = Date.now();
      return new Date(current).toISOString();
    },
  };
}

/** A browser's cookies, by name (paths do not matter to these tests). */
class Cookies {
  private readonly values = new Map<string, string>();
  store(res: request.Response): void {
    for (const header of ([] as string[]).concat((res.headers['set-cookie'] as string[] | string | undefined) ?? [])) {
      const [pair = ''] = header.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      if (/;\s*max-age=0\b/i.test(header)) this.values.delete(name);
      else this.values.set(name, pair.slice(eq + 1).trim());
    }
  }
  header(): string {
    return [...this.values].map(([name, value]) => `${name}=${value}`).join('; ');
  }
  all(): string[] {
    return [...this.values.values()];
  }
}

function csrfOf(html: string): string {
  const token = /<input type="hidden" name="csrf" value="([A-Za-z0-9_-]{43})">/.exec(html)?.[1];
  expect(token, html).toBeDefined();
  return token as string;
}

describe('logs and events through the demo server (every level captured)', () => {
  let db: TestDatabase;
  let demo: DemoApp;
  let target: RedirectTarget;
  let jwt: JwtClientFixture;
  let dpopKey: DpopKey;
  const logger = new CapturingLogger();
  const events: ParEvent[] = [];
  const clock = steppedClock();
  /** Every secret value the flows used or were given. */
  const secrets = new Set<string>([PASSWORD]);
  const keep = (...values: (string | undefined)[]): void => {
    for (const value of values) if (value !== undefined && value !== '') secrets.add(value);
  };
  let basic: ClientMetadata & { client_id: string; client_secret: string; redirect_uris: string[] };

  /** The events recorded since `from`. */
  const since = (from: number): ParEvent[] => events.slice(from);

  beforeAll(async () => {
    target = await startRedirectTarget();
    jwt = await makeJwtClient('jwt-client');
    jwt.metadata = { ...jwt.metadata, redirect_uris: [target.redirectUri], grant_types: ['authorization_code'] };
    dpopKey = await makeDpopKey();
    basic = {
      client_id: 'audited-client',
      client_secret: 'audited-secret-0123456789abcdef0123456789',
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: [target.redirectUri],
      scope: 'openid profile email offline_access',
      grant_types: ['authorization_code', 'refresh_token'],
    };
    keep(basic.client_secret);
    db = await createTestDatabase();
    demo = await createDemoApp({
      database: db,
      clients: [basic, jwt.metadata],
      par: { clock, rotateRefreshTokens: 'always', onEvent: (event) => void events.push(event) },
    });
    demo.app.useLogger(logger);
  });
  afterAll(async () => {
    await demo?.close();
    await target?.close();
    await db?.drop();
  });

  /** POST /par as the basic client; the request_uri and its reference become secrets. */
  async function push(requestId: string, overrides: Record<string, string | undefined> = {}): Promise<{ requestUri: string; verifier: string }> {
    const { verifier, challenge } = pkcePair();
    keep(verifier);
    const res = await request(demo.server)
      .post('/par')
      .set('Authorization', basicAuth(basic.client_id, basic.client_secret))
      .set('X-Request-Id', requestId)
      .type('form')
      .send(form(authorizationParams(target.redirectUri, { scope: 'openid profile offline_access', code_challenge: challenge, ...overrides })));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.headers['x-request-id']).toBe(requestId);
    const requestUri = res.body.request_uri as string;
    keep(requestUri, requestUri.slice(REQUEST_URI_PREFIX.length));
    return { requestUri, verifier };
  }

  /** GET /authorize: the interaction's path on the demo, with its cookie stored. */
  async function startAt(cookies: Cookies, clientId: string, requestUri: string, requestId: string): Promise<string> {
    const res = await request(demo.server).get('/authorize').set('X-Request-Id', requestId).query({ client_id: clientId, request_uri: requestUri });
    expect(res.status, res.text).toBe(303);
    cookies.store(res);
    keep(...cookies.all());
    return new URL(res.headers.location as string).pathname;
  }

  async function page(cookies: Cookies, path: string, fields?: Record<string, string>, requestId?: string): Promise<request.Response> {
    const req = fields === undefined ? request(demo.server).get(path) : request(demo.server).post(path).type('form').send(form(fields));
    if (requestId !== undefined) req.set('X-Request-Id', requestId);
    const res = await req.set('Cookie', cookies.header());
    cookies.store(res);
    keep(...cookies.all());
    if (res.status === 200) keep(csrfOf(res.text));
    return res;
  }

  /** The query of the demo's final redirect to the client. */
  function landed(res: request.Response): Record<string, string> {
    expect(res.status, res.text).toBe(303);
    const location = new URL(res.headers.location as string);
    expect(`${location.origin}${location.pathname}`).toBe(target.redirectUri);
    return Object.fromEntries(location.searchParams);
  }

  function token(fields: Record<string, string>, requestId: string): request.Test {
    return request(demo.server).post('/token').set('Authorization', basicAuth(basic.client_id, basic.client_secret)).set('X-Request-Id', requestId).type('form').send(form(fields));
  }

  describe('a full flow: PAR, authorize, login with a password, consent, token, refresh, introspect, userinfo, revoke', () => {
    let at: string;
    let code: string;
    let verifier: string;
    let firstRefresh: string;
    let secondRefresh: string;
    let accessToken: string;
    const cookies = new Cookies();
    let interaction: string;

    it('emits request.pushed once, with the facts of the push and no request_uri', async () => {
      const from = events.length;
      at = clock.tick();
      const pushed = await push('flow-1.par');
      verifier = pushed.verifier;
      interaction = await startAt(cookies, basic.client_id, pushed.requestUri, 'flow-1.authorize');
      expect(since(from)[0]).toEqual({
        type: 'request.pushed',
        at,
        requestId: 'flow-1.par',
        clientId: 'audited-client',
        authMethod: 'client_secret_basic',
        scope: 'openid profile offline_access',
        requestUriExpiresAt: new Date(Date.parse(at) + 60_000).toISOString(),
        expiresIn: 60,
        requestObject: false,
        dpopBound: false,
      });
    });

    it('emits interaction.started once, when /authorize sends the browser to the login page', () => {
      const started = events.filter((e) => e.type === 'interaction.started');
      expect(started).toEqual([
        {
          type: 'interaction.started',
          at,
          requestId: 'flow-1.authorize',
          clientId: 'audited-client',
          pushed: true,
          scope: 'openid profile offline_access',
          interactionExpiresAt: new Date(Date.parse(at) + 600_000).toISOString(),
        },
      ]);
    });

    it('emits code.issued once, from the host consent page (with its request id), after a login with a password', async () => {
      const from = events.length;
      const login = await page(cookies, interaction);
      expect(login.status).toBe(200);
      const consent = await page(cookies, `${interaction}/login`, { csrf: csrfOf(login.text), username: 'alice', password: PASSWORD });
      expect(consent.status, consent.text).toBe(200);
      at = clock.tick();
      const query = landed(await page(cookies, `${interaction}/consent`, { csrf: csrfOf(consent.text), decision: 'approve' }, 'flow-1.consent'));
      code = query.code as string;
      keep(code);
      const issued = since(from);
      expect(issued).toEqual([
        {
          type: 'code.issued',
          at,
          requestId: 'flow-1.consent',
          clientId: 'audited-client',
          subject: 'user-alice',
          grantId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
          scope: 'openid profile offline_access',
          codeExpiresAt: new Date(Date.parse(at) + 60_000).toISOString(),
        },
      ]);
    });

    it('emits token.issued once at the code exchange', async () => {
      const from = events.length;
      at = clock.tick();
      const res = await token({ grant_type: 'authorization_code', code, redirect_uri: target.redirectUri, code_verifier: verifier }, 'flow-1.token');
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      keep(res.body.access_token, res.body.id_token, res.body.refresh_token);
      accessToken = res.body.access_token as string;
      firstRefresh = res.body.refresh_token as string;
      const codeIssued = events.find((e) => e.type === 'code.issued');
      expect(since(from)).toEqual([
        {
          type: 'token.issued',
          at,
          requestId: 'flow-1.token',
          clientId: 'audited-client',
          grantType: 'authorization_code',
          subject: 'user-alice',
          grantId: codeIssued?.type === 'code.issued' ? codeIssued.grantId : 'missing',
          scope: 'openid profile offline_access',
          tokenType: 'Bearer',
          idToken: true,
          refreshToken: true,
        },
      ]);
    });

    it('emits token.issued for a refresh, and nothing for introspection and userinfo', async () => {
      const from = events.length;
      at = clock.tick();
      const refreshed = await token({ grant_type: 'refresh_token', refresh_token: firstRefresh }, 'flow-1.refresh');
      expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
      keep(refreshed.body.access_token, refreshed.body.id_token, refreshed.body.refresh_token);
      secondRefresh = refreshed.body.refresh_token as string;
      expect(secondRefresh).not.toBe(firstRefresh);
      const introspection = await request(demo.server).post('/introspect').set('Authorization', basicAuth(basic.client_id, basic.client_secret)).type('form').send(form({ token: accessToken }));
      expect({ status: introspection.status, active: introspection.body.active }).toEqual({ status: 200, active: true });
      const userinfo = await request(demo.server).get('/userinfo').set('Authorization', `Bearer ${accessToken}`);
      expect({ status: userinfo.status, sub: userinfo.body.sub }).toEqual({ status: 200, sub: 'user-alice' });
      expect(since(from).map((e) => e.type)).toEqual(['token.issued']);
      expect(since(from)[0]).toMatchObject({ type: 'token.issued', at, requestId: 'flow-1.refresh', grantType: 'refresh_token', refreshToken: true });
    });

    it('emits tokens.revoked once when the client revokes its refresh token', async () => {
      const from = events.length;
      at = clock.tick();
      const res = await request(demo.server)
        .post('/revoke')
        .set('Authorization', basicAuth(basic.client_id, basic.client_secret))
        .set('X-Request-Id', 'flow-1.revoke')
        .type('form')
        .send(form({ token: secondRefresh }));
      expect(res.status).toBe(200);
      const codeIssued = events.find((e) => e.type === 'code.issued');
      expect(since(from)).toEqual([
        {
          type: 'tokens.revoked',
          at,
          requestId: 'flow-1.revoke',
          clientId: 'audited-client',
          reason: 'revocation_request',
          revoked: 'grant',
          grantId: codeIssued?.type === 'code.issued' ? codeIssued.grantId : 'missing',
          subject: 'user-alice',
        },
      ]);
    });

    it('emits code.replay_detected and tokens.revoked when the code comes back', async () => {
      const from = events.length;
      at = clock.tick();
      const res = await token({ grant_type: 'authorization_code', code, redirect_uri: target.redirectUri, code_verifier: verifier }, 'flow-1.replay');
      expectOAuthError(res, 400, 'invalid_grant');
      const codeIssued = events.find((e) => e.type === 'code.issued');
      const grantId = codeIssued?.type === 'code.issued' ? codeIssued.grantId : 'missing';
      expect(since(from)).toEqual([
        { type: 'code.replay_detected', at, requestId: 'flow-1.replay', clientId: 'audited-client', grantId },
        { type: 'tokens.revoked', at, requestId: 'flow-1.replay', clientId: 'audited-client', reason: 'code_replay', revoked: 'grant', grantId },
      ]);
    });

    it('emits tokens.revoked when a rotated refresh token comes back', async () => {
      const from = events.length;
      at = clock.tick();
      const res = await token({ grant_type: 'refresh_token', refresh_token: firstRefresh }, 'flow-1.refresh-replay');
      expectOAuthError(res, 400, 'invalid_grant');
      const codeIssued = events.find((e) => e.type === 'code.issued');
      expect(since(from)).toEqual([
        {
          type: 'tokens.revoked',
          at,
          requestId: 'flow-1.refresh-replay',
          clientId: 'audited-client',
          reason: 'refresh_token_replay',
          revoked: 'grant',
          grantId: codeIssued?.type === 'code.issued' ? codeIssued.grantId : 'missing',
          subject: 'user-alice',
        },
      ]);
    });
  });

  describe('error paths', () => {
    it('emits client.authentication_failed for a wrong client secret, with the client_id and never the secret', async () => {
      const wrong = 'wrong-secret-0123456789abcdef0123456789ab';
      keep(wrong);
      const from = events.length;
      const at = clock.tick();
      const res = await request(demo.server)
        .post('/par')
        .set('Authorization', basicAuth(basic.client_id, wrong))
        .set('X-Request-Id', 'errors.secret')
        .type('form')
        .send(form(authorizationParams(target.redirectUri)));
      expectOAuthError(res, 401, 'invalid_client');
      expect(since(from)).toEqual([
        {
          type: 'client.authentication_failed',
          at,
          requestId: 'errors.secret',
          clientId: 'audited-client',
          authMethod: 'client_secret_basic',
          endpoint: '/par',
          reason: 'client authentication failed',
        },
      ]);
    });

    it('emits client.authentication_failed for a private_key_jwt assertion signed with another key', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const assertion = await clientAssertion({ ...jwt, privateKey }, demo.issuer);
      keep(assertion);
      const from = events.length;
      const at = clock.tick();
      const res = await request(demo.server)
        .post('/token')
        .set('X-Request-Id', 'errors.assertion')
        .type('form')
        .send(form({ grant_type: 'authorization_code', code: 'x', redirect_uri: target.redirectUri, client_assertion_type: JWT_BEARER, client_assertion: assertion }));
      expectOAuthError(res, 401, 'invalid_client');
      expect(since(from)).toEqual([
        {
          type: 'client.authentication_failed',
          at,
          requestId: 'errors.assertion',
          clientId: 'jwt-client',
          authMethod: 'private_key_jwt',
          endpoint: '/token',
          reason: 'invalid client assertion: signature verification failed',
        },
      ]);
    });

    it("answers a bad request_uri, or another client's, with invalid_request_uri and emits nothing", async () => {
      const { requestUri } = await push('errors.push');
      const from = events.length;
      const bogus = `${REQUEST_URI_PREFIX}${'A'.repeat(43)}`;
      keep(bogus);
      for (const [clientId, uri] of [['jwt-client', requestUri], [basic.client_id, bogus], [basic.client_id, `${REQUEST_URI_PREFIX}short`]] as const) {
        const res = await request(demo.server).get('/authorize').set('Accept', 'application/json').query({ client_id: clientId, request_uri: uri });
        expectOAuthError(res, 400, 'invalid_request_uri');
      }
      expect(since(from)).toEqual([]);
    });

    it('emits interaction.denied once when the user denies on the consent page', async () => {
      const { requestUri } = await push('deny.push');
      const cookies = new Cookies();
      const interaction = await startAt(cookies, basic.client_id, requestUri, 'deny.authorize');
      // Alice signed in during the full flow in another "browser": this one signs in again.
      const login = await page(cookies, interaction);
      const consent = await page(cookies, `${interaction}/login`, { csrf: csrfOf(login.text), username: 'alice', password: PASSWORD });
      const from = events.length;
      const at = clock.tick();
      const query = landed(await page(cookies, `${interaction}/consent`, { csrf: csrfOf(consent.text), decision: 'deny' }, 'deny.consent'));
      expect(query.error).toBe('access_denied');
      expect(since(from)).toEqual([{ type: 'interaction.denied', at, requestId: 'deny.consent', clientId: 'audited-client', error: 'access_denied' }]);
    });
  });

  it('runs a private_key_jwt + DPoP flow (assertions and proofs at /par, /token and /userinfo) with the events it should', async () => {
    clock.tick();
    const from = events.length;
    const { verifier, challenge } = pkcePair();
    keep(verifier);
    const parAssertion = await clientAssertion(jwt, demo.issuer);
    const parProof = await dpopProof(dpopKey, 'POST', `${demo.issuer}/par`);
    keep(parAssertion, parProof);
    const pushed = await request(demo.server)
      .post('/par')
      .set('DPoP', parProof)
      .type('form')
      .send(form({ ...authorizationParams(target.redirectUri, { scope: 'openid profile', code_challenge: challenge }), client_assertion_type: JWT_BEARER, client_assertion: parAssertion }));
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(201);
    const requestUri = pushed.body.request_uri as string;
    keep(requestUri, requestUri.slice(REQUEST_URI_PREFIX.length));
    const cookies = new Cookies();
    const interaction = await startAt(cookies, 'jwt-client', requestUri, 'jwt.authorize');
    const login = await page(cookies, interaction);
    const consent = await page(cookies, `${interaction}/login`, { csrf: csrfOf(login.text), username: 'alice', password: PASSWORD });
    clock.tick();
    const code = landed(await page(cookies, `${interaction}/consent`, { csrf: csrfOf(consent.text), decision: 'approve' })).code as string;
    keep(code);
    const tokenAssertion = await clientAssertion(jwt, demo.issuer);
    const tokenProof = await dpopProof(dpopKey, 'POST', `${demo.issuer}/token`);
    keep(tokenAssertion, tokenProof);
    const tokens = await request(demo.server)
      .post('/token')
      .set('DPoP', tokenProof)
      .type('form')
      .send(form({ grant_type: 'authorization_code', code, redirect_uri: target.redirectUri, code_verifier: verifier, client_assertion_type: JWT_BEARER, client_assertion: tokenAssertion }));
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    expect(tokens.body.token_type).toBe('DPoP');
    keep(tokens.body.access_token, tokens.body.id_token);
    const userinfoProof = await dpopProof(dpopKey, 'GET', `${demo.issuer}/userinfo`, { accessToken: tokens.body.access_token as string });
    keep(userinfoProof);
    const userinfo = await request(demo.server).get('/userinfo').set('Authorization', `DPoP ${tokens.body.access_token as string}`).set('DPoP', userinfoProof);
    expect({ status: userinfo.status, sub: userinfo.body.sub }).toEqual({ status: 200, sub: 'user-alice' });
    expect(since(from).map((e) => e.type)).toEqual(['request.pushed', 'interaction.started', 'code.issued', 'token.issued']);
    expect(since(from)[0]).toMatchObject({ clientId: 'jwt-client', authMethod: 'private_key_jwt', dpopBound: true });
    expect(since(from)[3]).toMatchObject({ clientId: 'jwt-client', tokenType: 'DPoP', idToken: true, refreshToken: false });
  });

  describe('what was logged', () => {
    it('holds no secret in any line, at any level: client secrets, the password, request_uris, codes, verifiers, tokens, assertions, DPoP proofs', () => {
      expect(secrets.size).toBeGreaterThan(30);
      const leaks: string[] = [];
      for (const line of logger.lines) {
        for (const secret of secrets) {
          // The whole value, and its tail (a JWT's signature; the random end of an opaque value).
          if (line.text.includes(secret) || (secret.length >= 24 && line.text.includes(secret.slice(-16)))) leaks.push(`${secret.slice(0, 12)}… in ${line.text.slice(0, 200)}`);
        }
      }
      expect(leaks).toEqual([]);
    });

    it('logged every event at the debug level as a structured line with its request id', () => {
      const lines = logger.lines.filter((line) => line.level === 'debug' && String(line.messages[0]).startsWith('event '));
      expect(lines.map((line) => line.params)).toEqual(events);
      expect(lines.map((line) => line.messages[0])).toEqual(events.map((event) => `event ${event.type}`));
    });

    it('logged verbose and debug lines with request ids: the outcome of each request (endpoint, status, error code, client, duration)', () => {
      const verbose = logger.lines.filter((line) => line.level === 'verbose' && line.context === 'ParModule');
      expect(verbose.length).toBeGreaterThan(5);
      expect(verbose.every((line) => typeof line.params?.requestId === 'string')).toBe(true);
      expect(logger.find('client authenticated').map((line) => line.params)).toContainEqual({ requestId: 'flow-1.token', clientId: 'audited-client', authMethod: 'client_secret_basic' });
      const stored = logger.find('pushed request stored').find((line) => line.params?.requestId === 'flow-1.par');
      expect(stored?.params).toEqual({ requestId: 'flow-1.par', clientId: 'audited-client', requestUriHash: expect.stringMatching(/^[A-Za-z0-9_-]{8}$/) });
      const redeemed = logger.find('request_uri redeemed').find((line) => line.params?.requestId === 'flow-1.authorize');
      expect(redeemed?.params).toEqual({ requestId: 'flow-1.authorize', clientId: 'audited-client', requestUriHash: stored?.params?.requestUriHash });

      const outcomes = (requestId: string) =>
        logger.lines.filter((line) => line.level === 'debug' && !String(line.messages[0]).startsWith('event ') && line.params?.requestId === requestId && line.params?.endpoint !== undefined);
      // One line per request, although Nest passes a path with both @Post and @All through its middleware twice.
      expect(outcomes('flow-1.token')).toHaveLength(1);
      const outcome = (requestId: string) => outcomes(requestId)[0]?.params;
      expect(outcome('flow-1.token')).toEqual({ requestId: 'flow-1.token', method: 'POST', endpoint: '/token', status: 200, clientId: 'audited-client', durationMs: expect.any(Number) });
      expect(outcome('flow-1.replay')).toEqual({ requestId: 'flow-1.replay', method: 'POST', endpoint: '/token', status: 400, error: 'invalid_grant', clientId: 'audited-client', durationMs: expect.any(Number) });
      expect(outcome('errors.secret')).toEqual({ requestId: 'errors.secret', method: 'POST', endpoint: '/par', status: 401, error: 'invalid_client', clientId: 'audited-client', durationMs: expect.any(Number) });
      // The path only: the query of /authorize holds the request_uri.
      expect(outcome('flow-1.authorize')).toEqual({ requestId: 'flow-1.authorize', method: 'GET', endpoint: '/authorize', status: 303, clientId: 'audited-client', durationMs: expect.any(Number) });
      expect(outcome('flow-1.consent')).toEqual({ requestId: 'flow-1.consent', method: 'POST', endpoint: expect.stringMatching(/^\/interaction\/[A-Za-z0-9_-]{43}\/consent$/), status: 303, clientId: 'audited-client', durationMs: expect.any(Number) });
    });
  });
});

@Controller('host')
class HostController {
  @Get('ping')
  ping(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [HostController] })
class HostModule {}

describe('X-Request-Id on ParModule routes, and event listeners that fail', () => {
  let db: TestDatabase;
  let t: TestApp;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { clients: [BASIC_CLIENT], maxBodyBytes: 2048 }, host: { imports: [HostModule] }, configure: (app) => app.useLogger(logger) });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('echoes a sane inbound X-Request-Id', async () => {
    for (const id of ['abc', 'trace-1.2:3_X', 'a'.repeat(128)]) {
      const res = await request(t.server).get('/jwks').set('X-Request-Id', id);
      expect({ status: res.status, id: res.headers['x-request-id'] }).toEqual({ status: 200, id });
    }
  });

  it('generates a fresh id (12 random base64url characters) when there is none', async () => {
    const ids = new Set<string>();
    for (const path of ['/jwks', '/.well-known/oauth-authorization-server', '/jwks']) {
      const res = await request(t.server).get(path);
      expect(res.status).toBe(200);
      expect(res.headers['x-request-id']).toMatch(GENERATED_ID);
      ids.add(res.headers['x-request-id'] as string);
    }
    expect(ids.size).toBe(3);
  });

  it('replaces an inbound X-Request-Id that is not sane (too long, spaces, markup, empty) and never echoes it', async () => {
    for (const id of ['a'.repeat(129), 'has space', '<script>', '"quoted"', 'ünïcode']) {
      const res = await request(t.server).get('/jwks').set('X-Request-Id', id);
      expect(res.headers['x-request-id'], id).toMatch(GENERATED_ID);
    }
  });

  it('gives an id to error answers too: a refused client, and a body the form parser refuses (413)', async () => {
    const refused = await request(t.server).post('/token').set('X-Request-Id', 'refused-1').type('form').send(form({ grant_type: 'client_credentials' }));
    expectOAuthError(refused, 401, 'invalid_client');
    expect(refused.headers['x-request-id']).toBe('refused-1');
    const large = await request(t.server).post('/par').set('X-Request-Id', 'large-1').type('form').send(`state=${'x'.repeat(4096)}`);
    expectOAuthError(large, 413, 'invalid_request');
    expect(large.headers['x-request-id']).toBe('large-1');
  });

  it("leaves the host's routes alone (no X-Request-Id there, even when one is sent)", async () => {
    const res = await request(t.server).get('/host/ping').set('X-Request-Id', 'host-1');
    expect({ status: res.status, body: res.body as unknown }).toEqual({ status: 200, body: { ok: true } });
    expect(res.headers['x-request-id']).toBeUndefined();
  });

  it('emits interaction.denied with login_required when the login is older than max_age allows', async () => {
    const received: ParEvent[] = [];
    const stop = t.app.get(ParEvents).subscribe((event) => void received.push(event));
    try {
      const requestUri = await pushRequest(t, BASIC_CLIENT, { max_age: '60' });
      const { uid, cookie } = await startInteraction(t, BASIC_CLIENT.client_id, requestUri);
      const location = await t.app.get(InteractionService).finish(uid, browserRequest(cookie), { subject: 'user-1', authTime: Math.floor(Date.now() / 1000) - 3600 });
      expect(queryOf(location).error).toBe('login_required');
      await new Promise((resolve) => setImmediate(resolve));
      // Outside any request (the host called finish without RequestIdMiddleware): no requestId.
      expect(received.map((e) => e.type)).toEqual(['request.pushed', 'interaction.started', 'interaction.denied']);
      expect(received[2]).toEqual({ type: 'interaction.denied', at: expect.any(String), clientId: BASIC_CLIENT.client_id, error: 'login_required' });
    } finally {
      stop();
    }
  });

  it('delivers events to every listener although one throws and one rejects; the request succeeds, both failures are logged without their messages, and unsubscribing stops delivery', async () => {
    const received: ParEvent[] = [];
    const seen: (string | undefined)[] = [];
    const bus = t.app.get(ParEvents);
    const unsubscribe = [
      bus.subscribe(() => {
        throw new Error('listener bug with a value: audited-secret');
      }),
      bus.subscribe(async () => {
        throw new TypeError('async listener bug');
      }),
      bus.subscribe((event) => {
        received.push(event);
        seen.push(currentRequestId());
      }),
    ];
    const before = logger.lines.length;
    await pushRequest(t, BASIC_CLIENT);
    const res = await request(t.server)
      .post('/par')
      .set('Authorization', basicAuth(BASIC_CLIENT.client_id, BASIC_CLIENT.client_secret))
      .set('X-Request-Id', 'listeners-1')
      .type('form')
      .send(form(authorizationParams(BASIC_CLIENT.redirect_uris[0])));
    expect(res.status).toBe(201);
    await new Promise((resolve) => setImmediate(resolve));
    expect(received.map((e) => [e.type, e.requestId])).toEqual([
      ['request.pushed', expect.stringMatching(GENERATED_ID)],
      ['request.pushed', 'listeners-1'],
    ]);
    // Listeners run in the request's context: currentRequestId() is the event's request id.
    expect(seen).toEqual(received.map((e) => e.requestId));
    const failures = logger.lines.slice(before).filter((line) => line.level === 'error');
    expect(failures.filter((line) => line.params?.requestId === 'listeners-1').map((line) => [line.messages[0], line.params])).toEqual([
      ['an event listener failed on request.pushed', { requestId: 'listeners-1', event: 'request.pushed', errorName: 'Error' }],
      ['an event listener failed on request.pushed', { requestId: 'listeners-1', event: 'request.pushed', errorName: 'TypeError' }],
    ]);
    expect(failures.every((line) => !line.text.includes('audited-secret') && !line.text.includes('listener bug'))).toBe(true);
    for (const stop of unsubscribe) stop();
    await pushRequest(t, BASIC_CLIENT);
    await new Promise((resolve) => setImmediate(resolve));
    expect(received).toHaveLength(2);
  });
});

describe('the request context runs only while something reads it (Node 20: AsyncLocalStorage costs every await)', () => {
  let db: TestDatabase;
  let t: TestApp;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    logger.setLogLevels(['log', 'warn', 'error', 'fatal']);
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { clients: [BASIC_CLIENT] }, configure: (app) => app.useLogger(logger) });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const push = (requestId: string) =>
    request(t.server)
      .post('/par')
      .set('Authorization', basicAuth(BASIC_CLIENT.client_id, BASIC_CLIENT.client_secret))
      .set('X-Request-Id', requestId)
      .type('form')
      .send(form(authorizationParams(BASIC_CLIENT.redirect_uris[0] as string)));

  it('is not read at the log level without listeners, and X-Request-Id is still echoed or generated', async () => {
    expect(requestContextRead()).toBe(false);
    const echoed = await push('quiet-1');
    expect({ status: echoed.status, id: echoed.headers['x-request-id'] }).toEqual({ status: 201, id: 'quiet-1' });
    const generated = await request(t.server).get('/jwks');
    expect(generated.headers['x-request-id']).toMatch(GENERATED_ID);
  });

  it('is read while a listener is subscribed, so its events carry the request id, and no longer once it unsubscribes', async () => {
    const received: ParEvent[] = [];
    const stop = t.app.get(ParEvents).subscribe((event) => void received.push(event));
    expect(requestContextRead()).toBe(true);
    const res = await push('listened-1');
    expect(res.status).toBe(201);
    await new Promise((resolve) => setImmediate(resolve));
    expect(received.map((event) => [event.type, event.requestId])).toEqual([['request.pushed', 'listened-1']]);
    stop();
    stop();
    expect(requestContextRead()).toBe(false);
  });

  it('is read while debug lines are printed (they carry the request id)', () => {
    logger.setLogLevels(['debug', 'log', 'warn', 'error', 'fatal']);
    try {
      expect(requestContextRead()).toBe(true);
    } finally {
      logger.setLogLevels(['log', 'warn', 'error', 'fatal']);
    }
  });
});
