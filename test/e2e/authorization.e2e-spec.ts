import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InteractionNotFoundError, InteractionService, type ClientMetadata, type ClientRegistry } from '../../src/par/index.js';
import { sha256 } from '../../src/par/common/secrets.js';
import { BASIC_CLIENT, PUBLIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { browserRequest, pushRequest, queryOf, startInteraction, interactionFrom } from '../support/flow.js';
import { authorizationParams, basicAuth, form } from '../support/oauth.js';

const OTHER_CLIENT = { ...BASIC_CLIENT, client_id: 'other-client', redirect_uris: ['https://other.example.org/cb'] } as const;
const REDIRECT = BASIC_CLIENT.redirect_uris[0];

/** A clock the tests move by hand. */
function manualClock(): { now: () => number; advance: (seconds: number) => void } {
  let current = Date.now();
  return { now: () => current, advance: (seconds) => (current += seconds * 1000) };
}

describe('GET /authorize with a pushed request (RFC 9126 §4)', () => {
  let db: TestDatabase;
  let t: TestApp;
  let interactions: InteractionService;
  const clock = manualClock();

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { clients: [BASIC_CLIENT, OTHER_CLIENT, PUBLIC_CLIENT], clock } });
    interactions = t.app.get(InteractionService);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('sends the browser (303, no-store) to the interaction, bound by an HttpOnly SameSite=Lax cookie', async () => {
    const requestUri = await pushRequest(t, BASIC_CLIENT);
    const res = await request(t.server).get('/authorize').query({ client_id: BASIC_CLIENT.client_id, request_uri: requestUri });
    expect(res.status).toBe(303);
    expect(res.headers['cache-control']).toBe('no-store');
    const started = interactionFrom(res);
    expect(started.location).toBe(`${t.issuer}/interaction/${started.uid}`);
    expect(started.setCookie).toMatch(new RegExp(`^par_interaction_${started.uid.slice(0, 16)}=[A-Za-z0-9_-]{43}; Path=/; Max-Age=600; HttpOnly; SameSite=Lax$`));
  });

  it('tells the host what is asked, by whom', async () => {
    const requestUri = await pushRequest(t, BASIC_CLIENT, { scope: 'openid profile email', prompt: 'consent', max_age: '120', login_hint: 'alice', ui_locales: 'en fr' });
    const { uid, cookie } = await startInteraction(t, BASIC_CLIENT.client_id, requestUri);
    const details = await interactions.details(uid, browserRequest(cookie));
    expect(details).toEqual({
      uid,
      client: { clientId: BASIC_CLIENT.client_id, clientName: undefined },
      scopes: ['openid', 'profile', 'email'],
      redirectUri: REDIRECT,
      prompt: ['consent'],
      maxAge: 120,
      loginHint: 'alice',
      acrValues: [],
      uiLocales: ['en', 'fr'],
      authorizationDetails: [],
      expiresAt: new Date(clock.now() + 600_000),
    });
  });

  it('issues a one-time code to the redirect_uri with state and iss (RFC 9207), then the request_uri is dead', async () => {
    const requestUri = await pushRequest(t, BASIC_CLIENT, { state: 'st-1', scope: 'openid profile email' });
    const { uid, cookie } = await startInteraction(t, BASIC_CLIENT.client_id, requestUri);
    const location = await interactions.finish(uid, browserRequest(cookie), { subject: 'user-1', authTime: Math.floor(clock.now() / 1000) - 5, acr: 'urn:acr:pwd', amr: ['pwd'], grantedScopes: ['openid', 'email'] });
    expect(location.startsWith(`${REDIRECT}?`)).toBe(true);
    const query = queryOf(location);
    expect(Object.keys(query).sort()).toEqual(['code', 'iss', 'state']);
    expect(query.state).toBe('st-1');
    expect(query.iss).toBe(t.issuer);
    expect(query.code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await db.query<{ client_id: string; grant_data: Record<string, unknown>; expires_at: Date; created_at: Date }>(
      'SELECT client_id, grant_data, expires_at, created_at FROM par_authorization_code WHERE code_hash = $1',
      [sha256(query.code as string)],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.client_id).toBe(BASIC_CLIENT.client_id);
    expect(new Date(rows[0]!.expires_at).getTime() - new Date(rows[0]!.created_at).getTime()).toBe(60_000);
    expect(rows[0]!.grant_data).toMatchObject({ client_id: BASIC_CLIENT.client_id, redirect_uri: REDIRECT, scope: 'openid email', sub: 'user-1', acr: 'urn:acr:pwd', amr: ['pwd'], nonce: 'nonce-456', code_challenge_method: 'S256' });
    const again = await request(t.server).get('/authorize').query({ client_id: BASIC_CLIENT.client_id, request_uri: requestUri });
    expectOAuthError(again, 400, 'invalid_request_uri', 'unknown, expired or already used');
    await expect(interactions.finish(uid, browserRequest(cookie), { subject: 'user-1' })).rejects.toBeInstanceOf(InteractionNotFoundError);
  });

  it('reads only client_id and request_uri: parameters repeated outside the pushed request are ignored (JAR §5)', async () => {
    const requestUri = await pushRequest(t, BASIC_CLIENT, { state: 'pushed-state' });
    const res = await request(t.server)
      .get('/authorize')
      .query({ client_id: BASIC_CLIENT.client_id, request_uri: requestUri, redirect_uri: 'https://evil.example/cb', scope: 'admin', state: 'outside', response_type: 'token' });
    const { uid, cookie } = interactionFrom(res);
    const location = await interactions.finish(uid, browserRequest(cookie), { subject: 'user-1' });
    expect(location.startsWith(`${REDIRECT}?`)).toBe(true);
    expect(queryOf(location).state).toBe('pushed-state');
  });

  it('answers unknown, foreign and malformed request_uris directly, never redirected', async () => {
    const foreign = await pushRequest(t, OTHER_CLIENT);
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ client_id: BASIC_CLIENT.client_id, request_uri: `urn:ietf:params:oauth:request_uri:${'A'.repeat(43)}` }, 'invalid_request_uri', 'unknown, expired or already used'],
      [{ client_id: BASIC_CLIENT.client_id, request_uri: foreign }, 'invalid_request_uri', 'unknown, expired or already used'],
      [{ client_id: BASIC_CLIENT.client_id, request_uri: 'urn:ietf:params:oauth:request_uri:short' }, 'invalid_request_uri', 'unknown, expired or already used'],
      [{ client_id: BASIC_CLIENT.client_id, request_uri: 'https://client.example.org/request.jwt' }, 'request_uri_not_supported', 'only request_uri values issued'],
      [{ request_uri: foreign }, 'invalid_request', 'missing required parameter client_id'],
      [{ client_id: 'nobody', request_uri: foreign }, 'invalid_request', 'client_id is not a registered client'],
    ];
    for (const [query, error, description] of cases) {
      const res = await request(t.server).get('/authorize').query(query);
      expectOAuthError(res, 400, error, description);
      expect(res.headers.location).toBeUndefined();
    }
    // The foreign request_uri was not touched: its own client can still use it.
    await startInteraction(t, OTHER_CLIENT.client_id, foreign);
  });

  it('shows browsers an escaped HTML error page instead of JSON', async () => {
    const res = await request(t.server).get('/authorize').set('Accept', 'text/html').query({ client_id: '<b>x</b>', request_uri: 'urn:x' });
    expect(res.status).toBe(400);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<code>invalid_request</code>: client_id is not a registered client');
    expect(res.text).not.toContain('<b>x</b>');
  });

  it('rejects request together with request_uri', async () => {
    const requestUri = await pushRequest(t, BASIC_CLIENT);
    const res = await request(t.server).get('/authorize').query({ client_id: BASIC_CLIENT.client_id, request_uri: requestUri, request: 'a.b.c' });
    expectOAuthError(res, 400, 'invalid_request', 'request and request_uri must not be used together');
  });

  it('rejects a duplicated client_id or request_uri', async () => {
    const res = await request(t.server).get(`/authorize?client_id=${BASIC_CLIENT.client_id}&client_id=x&request_uri=urn:x`);
    expectOAuthError(res, 400, 'invalid_request', 'parameter client_id is duplicated');
  });

  it('rejects an expired request_uri (§4): its window bounds the first use', async () => {
    const requestUri = await pushRequest(t, BASIC_CLIENT);
    clock.advance(61);
    const res = await request(t.server).get('/authorize').query({ client_id: BASIC_CLIENT.client_id, request_uri: requestUri });
    expectOAuthError(res, 400, 'invalid_request_uri');
  });

  it('lets a login started in the window outlive it, reloads included, until interactionTtl', async () => {
    const requestUri = await pushRequest(t, BASIC_CLIENT);
    clock.advance(30);
    const first = await startInteraction(t, BASIC_CLIENT.client_id, requestUri);
    clock.advance(300); // well past the 60 s window: a slow, multi-factor login
    const reload = await startInteraction(t, BASIC_CLIENT.client_id, requestUri); // e.g. in a fresh browser
    expect(reload.uid).not.toBe(first.uid);
    expect(reload.setCookie).toMatch(/Max-Age=300;/); // what is left of the login's lifetime
    await interactions.details(first.uid, browserRequest(first.cookie)); // the first browser still works too
    clock.advance(301); // past first use + 600 s
    const late = await request(t.server).get('/authorize').query({ client_id: BASIC_CLIENT.client_id, request_uri: requestUri });
    expectOAuthError(late, 400, 'invalid_request_uri');
    await expect(interactions.details(reload.uid, browserRequest(reload.cookie))).rejects.toBeInstanceOf(InteractionNotFoundError);
  });

  it('binds the interaction to the browser that started it', async () => {
    const a = await startInteraction(t, BASIC_CLIENT.client_id, await pushRequest(t, BASIC_CLIENT));
    const b = await startInteraction(t, BASIC_CLIENT.client_id, await pushRequest(t, BASIC_CLIENT));
    await expect(interactions.details(a.uid, browserRequest(undefined))).rejects.toBeInstanceOf(InteractionNotFoundError);
    const bSecret = b.cookie.split('=')[1];
    await expect(interactions.finish(a.uid, browserRequest(`${a.cookie.split('=')[0]}=${bSecret}`), { subject: 'x' })).rejects.toBeInstanceOf(InteractionNotFoundError);
    await expect(interactions.details('not-a-uid', browserRequest(a.cookie))).rejects.toBeInstanceOf(InteractionNotFoundError);
  });

  it('issues exactly one code when one interaction is finished 20 times at once', async () => {
    const { uid, cookie } = await startInteraction(t, BASIC_CLIENT.client_id, await pushRequest(t, BASIC_CLIENT));
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => interactions.finish(uid, browserRequest(cookie), { subject: 'user-1' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof InteractionNotFoundError)).toHaveLength(19);
  });

  it('issues exactly one code when two browsers finish the same request at once', async () => {
    const requestUri = await pushRequest(t, BASIC_CLIENT);
    const a = await startInteraction(t, BASIC_CLIENT.client_id, requestUri);
    const b = await startInteraction(t, BASIC_CLIENT.client_id, requestUri);
    const results = await Promise.allSettled([a, b, a, b].map((s) => interactions.finish(s.uid, browserRequest(s.cookie), { subject: 'two-browsers' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const codes = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM par_authorization_code WHERE grant_data->>'sub' = $1", ['two-browsers']);
    expect(codes[0]!.n).toBe('1');
  });

  it('denies with access_denied, state and iss, and ends the request', async () => {
    const requestUri = await pushRequest(t, BASIC_CLIENT, { state: 'st-deny' });
    const { uid, cookie } = await startInteraction(t, BASIC_CLIENT.client_id, requestUri);
    const location = await interactions.deny(uid, browserRequest(cookie));
    expect(queryOf(location)).toEqual({ error: 'access_denied', error_description: 'the end-user denied the request', state: 'st-deny', iss: t.issuer });
    expectOAuthError(await request(t.server).get('/authorize').query({ client_id: BASIC_CLIENT.client_id, request_uri: requestUri }), 400, 'invalid_request_uri');
  });

  it('lets the host end with login_required or consent_required (prompt=none), not with other codes', async () => {
    const { uid, cookie } = await startInteraction(t, BASIC_CLIENT.client_id, await pushRequest(t, BASIC_CLIENT, { prompt: 'none' }));
    await expect(interactions.deny(uid, browserRequest(cookie), 'server_error' as 'access_denied')).rejects.toThrow(/unsupported error/);
    expect(queryOf(await interactions.deny(uid, browserRequest(cookie), 'login_required'))).toMatchObject({ error: 'login_required' });
  });

  it('enforces max_age and prompt=login on the authentication time the host reports (OIDC Core §3.1.2.1)', async () => {
    const now = Math.floor(clock.now() / 1000);
    const maxAge = await startInteraction(t, BASIC_CLIENT.client_id, await pushRequest(t, BASIC_CLIENT, { max_age: '60', state: 's1' }));
    expect(queryOf(await interactions.finish(maxAge.uid, browserRequest(maxAge.cookie), { subject: 'u', authTime: now - 61 }))).toEqual({
      error: 'login_required',
      error_description: 'the end-user must authenticate again',
      state: 's1',
      iss: t.issuer,
    });
    const login = await startInteraction(t, BASIC_CLIENT.client_id, await pushRequest(t, BASIC_CLIENT, { prompt: 'login' }));
    expect(queryOf(await interactions.finish(login.uid, browserRequest(login.cookie), { subject: 'u', authTime: now - 30 })).error).toBe('login_required');
    const fresh = await startInteraction(t, BASIC_CLIENT.client_id, await pushRequest(t, BASIC_CLIENT, { prompt: 'login', max_age: '60' }));
    expect(queryOf(await interactions.finish(fresh.uid, browserRequest(fresh.cookie), { subject: 'u', authTime: now })).code).toBeDefined();
  });

  it('refuses to grant scopes that were not requested (a host bug, not a client error)', async () => {
    const { uid, cookie } = await startInteraction(t, BASIC_CLIENT.client_id, await pushRequest(t, BASIC_CLIENT, { scope: 'openid' }));
    await expect(interactions.finish(uid, browserRequest(cookie), { subject: 'u', grantedScopes: ['openid', 'email'] })).rejects.toThrow(/not requested: email/);
  });

  it('accepts the request as a form POST too (OIDC Core §3.1.2.1)', async () => {
    const requestUri = await pushRequest(t, BASIC_CLIENT);
    const res = await request(t.server).post('/authorize').type('form').send(form({ client_id: BASIC_CLIENT.client_id, request_uri: requestUri }));
    expect(res.status).toBe(303);
    expect(interactionFrom(res).uid).toHaveLength(43);
  });

  it('lets a plain request through when PAR is optional, validated by the same checks', async () => {
    const params = { ...authorizationParams(REDIRECT, { state: 'plain' }), client_id: BASIC_CLIENT.client_id };
    const ok = await request(t.server).get('/authorize').query(params);
    const { uid, cookie } = interactionFrom(ok);
    expect(queryOf(await interactions.finish(uid, browserRequest(cookie), { subject: 'u' })).state).toBe('plain');
    // After the redirect_uri is verified, errors go back to the client with state and iss.
    const badScope = await request(t.server).get('/authorize').query({ ...params, scope: 'openid admin' });
    expect(badScope.status).toBe(303);
    expect(queryOf(badScope.headers.location as string)).toEqual({ error: 'invalid_scope', error_description: 'scope "admin" is not allowed for this client', state: 'plain', iss: t.issuer });
    const noPkce = await request(t.server).get('/authorize').query({ ...params, code_challenge: undefined });
    expect(queryOf(noPkce.headers.location as string)).toMatchObject({ error: 'invalid_request', error_description: 'code_challenge is required (PKCE)' });
    // Before, they are answered directly.
    expectOAuthError(await request(t.server).get('/authorize').query({ ...params, redirect_uri: 'https://evil.example/cb' }), 400, 'invalid_request', 'redirect_uri is not registered');
  });

  it('redirects invalid_request for NUL in a plain request, which could not be stored', async () => {
    const params = { ...authorizationParams(REDIRECT, { state: 'plain', nonce: 'n\u0000' }), client_id: BASIC_CLIENT.client_id };
    const res = await request(t.server).get('/authorize').query(params);
    expect(res.status).toBe(303);
    expect(queryOf(res.headers.location as string)).toEqual({
      error: 'invalid_request',
      error_description: 'nonce must not contain NUL (U+0000) or unpaired surrogate characters',
      state: 'plain',
      iss: t.issuer,
    });
  });

  it('answers an over-long state directly instead of redirecting: it can be neither echoed nor left out (found by fuzzing)', async () => {
    // 3,000 "é": a Location of 18 KB that Node's HTTP client (16 KB of headers) could not even read.
    const params = { ...authorizationParams(REDIRECT, { state: 'é'.repeat(3000) }), client_id: BASIC_CLIENT.client_id };
    const res = await request(t.server).post('/authorize').type('form').send(new URLSearchParams(params).toString()).set('Accept', 'application/json');
    expectOAuthError(res, 400, 'invalid_request', 'state must not be longer than 1024 characters');
    expect(res.headers.location).toBeUndefined();
  });
});

describe('GET /authorize when PAR is required (RFC 9126 §5, §6)', () => {
  let db: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { clients: [BASIC_CLIENT, { ...OTHER_CLIENT, require_pushed_authorization_requests: true }], requirePushedAuthorizationRequests: false } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('refuses a plain request from a client registered with require_pushed_authorization_requests', async () => {
    const res = await request(t.server).get('/authorize').query({ ...authorizationParams(OTHER_CLIENT.redirect_uris[0]), client_id: OTHER_CLIENT.client_id });
    expectOAuthError(res, 400, 'invalid_request', 'pushed authorization requests are required');
    expect((await request(t.server).get('/authorize').query({ ...authorizationParams(REDIRECT), client_id: BASIC_CLIENT.client_id })).status).toBe(303);
  });

  it('refuses every plain request when required globally, and says so in discovery', async () => {
    const strictDb = await createTestDatabase();
    const strict = await createTestApp({ database: strictDb, par: { clients: [BASIC_CLIENT], requirePushedAuthorizationRequests: true } });
    try {
      const res = await request(strict.server).get('/authorize').query({ ...authorizationParams(REDIRECT), client_id: BASIC_CLIENT.client_id });
      expectOAuthError(res, 400, 'invalid_request', 'pushed authorization requests are required');
      expect((await request(strict.server).get('/.well-known/oauth-authorization-server')).body.require_pushed_authorization_requests).toBe(true);
      await startInteraction(strict, BASIC_CLIENT.client_id, await pushRequest(strict, BASIC_CLIENT));
    } finally {
      await strict.close();
      await strictDb.drop();
    }
  });
});

describe('GET /authorize re-checks the client policy of a pushed request (RFC 9126 §7.4)', () => {
  let db: TestDatabase;
  let t: TestApp;
  const registration: { current: ClientMetadata } = { current: { ...BASIC_CLIENT } };
  const registry: ClientRegistry = { findClient: (id) => (id === registration.current.client_id ? { ...registration.current } : undefined) };

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { clients: registry, issuer: 'https://as.example.com' } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('marks the interaction cookie Secure when the issuer is https', async () => {
    registration.current = { ...BASIC_CLIENT };
    const started = await startInteraction(t, BASIC_CLIENT.client_id, await pushRequest(t, BASIC_CLIENT));
    expect(started.setCookie).toMatch(/; Secure$/);
    expect(started.location).toBe(`https://as.example.com/interaction/${started.uid}`);
  });

  it('redirects invalid_scope when a pushed scope is no longer allowed, and ends the request', async () => {
    registration.current = { ...BASIC_CLIENT };
    const requestUri = await pushRequest(t, BASIC_CLIENT, { scope: 'openid email', state: 'st' });
    registration.current = { ...BASIC_CLIENT, scope: 'openid' };
    const res = await request(t.server).get('/authorize').query({ client_id: BASIC_CLIENT.client_id, request_uri: requestUri });
    expect(res.status).toBe(303);
    expect(queryOf(res.headers.location as string)).toEqual({ error: 'invalid_scope', error_description: 'scope "email" is not allowed for this client', state: 'st', iss: 'https://as.example.com' });
    registration.current = { ...BASIC_CLIENT };
    expectOAuthError(await request(t.server).get('/authorize').query({ client_id: BASIC_CLIENT.client_id, request_uri: requestUri }), 400, 'invalid_request_uri');
  });

  it('answers directly when the pushed redirect_uri is no longer registered', async () => {
    registration.current = { ...BASIC_CLIENT };
    const requestUri = await pushRequest(t, BASIC_CLIENT);
    registration.current = { ...BASIC_CLIENT, redirect_uris: ['https://client.example.org/new-cb'] };
    const res = await request(t.server).get('/authorize').query({ client_id: BASIC_CLIENT.client_id, request_uri: requestUri });
    expectOAuthError(res, 400, 'invalid_request', 'redirect_uri is not registered');
  });

  it('does not let the request of a public client pass the checks of a credentialed one', async () => {
    registration.current = { ...BASIC_CLIENT };
    const res = await request(t.server).post('/par').set('Authorization', basicAuth(BASIC_CLIENT.client_id, 'wrong-secret-0123456789abcdef0123456789')).type('form').send(form(authorizationParams(REDIRECT)));
    expectOAuthError(res, 401, 'invalid_client');
  });
});
