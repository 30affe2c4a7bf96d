import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASIC_CLIENT, POST_CLIENT, PUBLIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { expectOAuthError } from '../support/assertions.js';
import { authorizationParams, basicAuth, form } from '../support/oauth.js';
import { sha256 } from '../../src/par/common/secrets.js';

const REQUEST_URI = /^urn:ietf:params:oauth:request_uri:([A-Za-z0-9_-]{43})$/;
const AUTH = basicAuth(BASIC_CLIENT.client_id, BASIC_CLIENT.client_secret);
const REDIRECT = BASIC_CLIENT.redirect_uris[0];

describe('POST /par (RFC 9126 §2)', () => {
  let db: TestDatabase;
  let t: TestApp;
  const push = (params: Record<string, string> | [string, string][], auth = AUTH) =>
    request(t.server).post('/par').set('Authorization', auth).type('form').send(form(params));

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { clients: [BASIC_CLIENT, POST_CLIENT, PUBLIC_CLIENT], maxBodyBytes: 64 * 1024 } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('answers 201 with a urn request_uri of 256 random bits and expires_in, not cacheable (§2.2)', async () => {
    const res = await push(authorizationParams(REDIRECT));
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(res.body as object).sort()).toEqual(['expires_in', 'request_uri']);
    expect(res.body.request_uri).toMatch(REQUEST_URI);
    expect(res.body.expires_in).toBe(60);
  });

  it('stores only the hash of the reference, bound to the client, with the validated request', async () => {
    const params = authorizationParams(REDIRECT, { scope: 'openid openid profile', unknown_param: 'ignored' });
    const res = await push(params);
    const reference = REQUEST_URI.exec(res.body.request_uri as string)?.[1] ?? '';
    const rows = await db.query<{ reference_hash: string; client_id: string; parameters: Record<string, unknown>; consumed_at: Date | null; expires_at: Date; created_at: Date }>(
      'SELECT * FROM par_pushed_request WHERE reference_hash = $1',
      [sha256(reference)],
    );
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.client_id).toBe(BASIC_CLIENT.client_id);
    expect(row.consumed_at).toBeNull();
    expect(new Date(row.expires_at).getTime() - new Date(row.created_at).getTime()).toBe(60_000);
    expect(row.parameters).toEqual({
      client_id: BASIC_CLIENT.client_id,
      response_type: 'code',
      redirect_uri: REDIRECT,
      scope: 'openid profile',
      code_challenge: params.code_challenge,
      code_challenge_method: 'S256',
      state: 'state-123',
      nonce: 'nonce-456',
    });
    const all = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM par_pushed_request WHERE reference_hash = $1 OR parameters::text LIKE '%' || $1 || '%'", [reference]);
    expect(all[0]!.n).toBe('0');
  });

  it('gives 50 concurrent pushes 50 distinct request_uris', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => push(authorizationParams(REDIRECT))));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    expect(new Set(results.map((r) => r.body.request_uri)).size).toBe(50);
  });

  it.each(['get', 'put', 'delete', 'patch'] as const)('answers %s with 405 and Allow: POST (§2.3)', async (method) => {
    const res = await request(t.server)[method]('/par');
    expectOAuthError(res, 405, 'invalid_request', 'accepts POST only');
    expect(res.headers.allow).toBe('POST');
  });

  it('refuses a body over maxBodyBytes with 413 (§2.3)', async () => {
    const res = await push(authorizationParams(REDIRECT, { state: 'x'.repeat(70 * 1024) }));
    expectOAuthError(res, 413, 'invalid_request', 'exceeds 65536 bytes');
  });

  it('refuses a body that is not form-encoded', async () => {
    const res = await request(t.server).post('/par').set('Authorization', AUTH).set('Content-Type', 'application/json').send(JSON.stringify(authorizationParams(REDIRECT)));
    expectOAuthError(res, 400, 'invalid_request', 'application/x-www-form-urlencoded');
  });

  it('reads the form media type in any spelling a client may send it, with or without a charset', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded;charset=UTF-8', 'application/x-www-form-urlencoded; charset=utf-8', 'APPLICATION/X-WWW-FORM-URLENCODED', 'application/x-www-form-urlencoded ; charset=UTF-8']) {
      const res = await request(t.server).post('/par').set('Authorization', AUTH).set('Content-Type', type).send(form(authorizationParams(REDIRECT)));
      expect(res.status, type).toBe(201);
    }
    for (const type of ['application/x-www-form-urlencodedx', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await request(t.server).post('/par').set('Authorization', AUTH).set('Content-Type', type).send(form(authorizationParams(REDIRECT)));
      expectOAuthError(res, 400, 'invalid_request', 'application/x-www-form-urlencoded');
    }
  });

  it('rejects request_uri in the push (§2.1)', async () => {
    const res = await push(authorizationParams(REDIRECT, { request_uri: 'urn:ietf:params:oauth:request_uri:abc' }));
    expectOAuthError(res, 400, 'invalid_request', 'request_uri must not be used');
  });

  it('verifies request objects (§3): a client without registered jwks cannot use one (see request-object.e2e-spec.ts)', async () => {
    const res = await push(authorizationParams(REDIRECT, { request: 'a.b.c' }));
    expectOAuthError(res, 400, 'invalid_request_object', /^the client has no registered jwks, so it cannot sign request objects$/);
  });

  it('rejects a duplicated parameter', async () => {
    const params = Object.entries(authorizationParams(REDIRECT));
    const res = await push([...params, ['scope', 'openid']]);
    expectOAuthError(res, 400, 'invalid_request', 'parameter scope is duplicated');
  });

  it('ignores unknown parameters', async () => {
    const res = await push(authorizationParams(REDIRECT, { foo: 'bar', 'x[y]': 'z' }));
    expect(res.status).toBe(201);
  });

  describe('redirect_uri (§2.1, §2.4): invalid_request, never a redirect', () => {
    it('is required', async () => {
      expectOAuthError(await push(authorizationParams(REDIRECT, { redirect_uri: undefined })), 400, 'invalid_request', 'missing required parameter redirect_uri');
    });
    it('must be registered, compared exactly', async () => {
      for (const uri of ['https://client.example.org/cb/', 'https://client.example.org/cb?x=1', 'https://evil.example/cb', 'HTTPS://client.example.org/cb']) {
        const res = await push(authorizationParams(REDIRECT, { redirect_uri: uri }));
        expectOAuthError(res, 400, 'invalid_request', 'redirect_uri is not registered for this client');
        expect(res.headers.location).toBeUndefined();
      }
    });
  });

  it('requires response_type=code (unsupported_response_type)', async () => {
    expectOAuthError(await push(authorizationParams(REDIRECT, { response_type: undefined })), 400, 'invalid_request', 'missing required parameter response_type');
    for (const type of ['token', 'code id_token', 'id_token']) {
      expectOAuthError(await push(authorizationParams(REDIRECT, { response_type: type })), 400, 'unsupported_response_type');
    }
  });

  it('restricts scope to the client registration (invalid_scope)', async () => {
    expectOAuthError(await push(authorizationParams(REDIRECT, { scope: 'openid admin' })), 400, 'invalid_scope', 'scope "admin" is not allowed');
    expectOAuthError(await push(authorizationParams(REDIRECT, { scope: 'openid "quoted"' })), 400, 'invalid_request', 'RFC 6749 §3.3');
  });

  it('lets a client without registered scope ask for any supported scope', async () => {
    const res = await request(t.server)
      .post('/par')
      .type('form')
      .send(form({ ...authorizationParams(POST_CLIENT.redirect_uris[0], { scope: 'openid email address' }), client_id: POST_CLIENT.client_id, client_secret: POST_CLIENT.client_secret }));
    expect(res.status).toBe(201);
  });

  describe('PKCE (RFC 7636, S256 only)', () => {
    it('requires code_challenge', async () => {
      expectOAuthError(await push(authorizationParams(REDIRECT, { code_challenge: undefined })), 400, 'invalid_request', 'code_challenge is required');
    });
    it('refuses plain and a missing method (which would mean plain)', async () => {
      expectOAuthError(await push(authorizationParams(REDIRECT, { code_challenge_method: 'plain' })), 400, 'invalid_request', 'code_challenge_method must be S256');
      expectOAuthError(await push(authorizationParams(REDIRECT, { code_challenge_method: undefined })), 400, 'invalid_request', 'code_challenge_method must be S256');
    });
    it('refuses a malformed challenge', async () => {
      expectOAuthError(await push(authorizationParams(REDIRECT, { code_challenge: 'short' })), 400, 'invalid_request', 'not a valid S256 challenge');
    });
  });

  it('bounds state and nonce, accepting 64 characters or more', async () => {
    expect((await push(authorizationParams(REDIRECT, { state: 's'.repeat(1024), nonce: 'n'.repeat(512) }))).status).toBe(201);
    expectOAuthError(await push(authorizationParams(REDIRECT, { state: 's'.repeat(1025) })), 400, 'invalid_request', 'state must not be longer than 1024');
    expectOAuthError(await push(authorizationParams(REDIRECT, { nonce: 'n'.repeat(513) })), 400, 'invalid_request', 'nonce must not be longer than 512');
  });

  it('refuses NUL and unpaired surrogates in any parameter, JSON escapes included, with invalid_request (PostgreSQL cannot store them)', async () => {
    const bad: Array<[string, string]> = [
      ['state', 'a\u0000b'],
      ['nonce', '\u0000'],
      ['login_hint', 'alice\u0000'],
      ['ui_locales', 'en\u0000'],
      ['acr_values', '\u0000'],
      ['resource', 'https://api.example.org/\u0000'],
      ['claims', '{"userinfo":{"name":{"value":"a\\u0000"}}}'],
      ['claims', '{"userinfo":{"\\ud800":null}}'],
      ['claims', '{"id_token":{"acr":{"values":["\\udc00x"]}}}'],
    ];
    for (const [name, value] of bad) {
      expectOAuthError(await push(authorizationParams(REDIRECT, { [name]: value })), 400, 'invalid_request', `${name} must not contain NUL (U+0000) or unpaired surrogate characters`);
    }
    // A surrogate pair is a character like any other.
    expect((await push(authorizationParams(REDIRECT, { state: '\u{1F4A9}', claims: '{"userinfo":{"name":{"value":"\\ud83d\\udca9"}}}' }))).status).toBe(201);
  });

  it('validates OIDC prompt, max_age and response_mode', async () => {
    expectOAuthError(await push(authorizationParams(REDIRECT, { prompt: 'none login' })), 400, 'invalid_request', 'prompt=none must not be combined');
    expectOAuthError(await push(authorizationParams(REDIRECT, { prompt: 'sometimes' })), 400, 'invalid_request', 'prompt has an unsupported value');
    expectOAuthError(await push(authorizationParams(REDIRECT, { max_age: '-1' })), 400, 'invalid_request', 'max_age must be a non-negative integer');
    expectOAuthError(await push(authorizationParams(REDIRECT, { response_mode: 'fragment' })), 400, 'invalid_request', 'response_mode must be query');
    expect((await push(authorizationParams(REDIRECT, { prompt: 'login consent', max_age: '300', response_mode: 'query' }))).status).toBe(201);
  });

  it('accepts a public client (auth method none) with its registered redirect_uri', async () => {
    const res = await request(t.server)
      .post('/par')
      .type('form')
      .send(form({ ...authorizationParams(PUBLIC_CLIENT.redirect_uris[0]), client_id: PUBLIC_CLIENT.client_id }));
    expect(res.status).toBe(201);
    expect(res.body.request_uri).toMatch(REQUEST_URI);
  });
});

describe('POST /par with allowUnregisteredRedirectUris (RFC 9126 §2.4, §7.2)', () => {
  let db: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { clients: [BASIC_CLIENT, PUBLIC_CLIENT], allowUnregisteredRedirectUris: true, requestUriTtl: 90 } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('accepts an unregistered redirect_uri from a client that authenticated with credentials', async () => {
    const res = await request(t.server).post('/par').set('Authorization', AUTH).type('form').send(form(authorizationParams('https://other.example.org/return')));
    expect(res.status).toBe(201);
    expect(res.body.expires_in).toBe(90);
  });

  it('still refuses a malformed one', async () => {
    const res = await request(t.server).post('/par').set('Authorization', AUTH).type('form').send(form(authorizationParams('https://other.example.org/return#frag')));
    expectOAuthError(res, 400, 'invalid_request', 'redirect_uri must not contain a fragment');
  });

  it('never accepts one from a public client', async () => {
    const res = await request(t.server)
      .post('/par')
      .type('form')
      .send(form({ ...authorizationParams('https://other.example.org/return'), client_id: PUBLIC_CLIENT.client_id }));
    expectOAuthError(res, 400, 'invalid_request', 'redirect_uri is not registered for this client');
  });
});

