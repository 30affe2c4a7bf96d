import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParModuleOptions } from '../../src/par/index.js';
import { BASIC_CLIENT, POST_CLIENT, PUBLIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, createTestAppInstances, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { basicAuth } from '../support/oauth.js';
import {
  authorize,
  expectNoStoreJson,
  fetchJwks,
  introspect,
  manualClock,
  obtainTokens,
  redeem,
  refresh,
  tokenRequest,
  type TokenBody,
} from '../support/tokens.js';

const ALL_GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'];
/** A confidential client (client_secret_basic) registered for every grant. */
const CLIENT = { ...BASIC_CLIENT, grant_types: ALL_GRANTS };
/** Another confidential client, to hold tokens that are not CLIENT's. */
const OTHER = { ...BASIC_CLIENT, client_id: 'other-client', redirect_uris: ['https://other.example.org/cb'], grant_types: ALL_GRANTS };
/** A confidential client (client_secret_post) registered for authorization_code only, allowed every scope. */
const CODE_ONLY = POST_CLIENT;
/** A public client that may refresh (and claims client_credentials, which it must still not get). */
const PUBLIC = { ...PUBLIC_CLIENT, scope: 'openid profile offline_access api:read', grant_types: ALL_GRANTS };
const RESOURCE = 'https://api.example.org/';

/** What findAccountClaims was asked, in order. */
const accountLookups: Array<{ subject: string; requested: readonly string[] }> = [];

/** A promise and its resolver. */
interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}
function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
/** When set, looking up the claims of "slow-user" signals `entered` and waits for `release`: a slow account store. */
let slowLookup: { entered: Deferred; release: Deferred } | undefined;

/** The host's claims: more than any scope asks for, including claims the server must keep for itself. */
const findAccountClaims: ParModuleOptions['findAccountClaims'] = async (subject, { claims: requested }) => {
  accountLookups.push({ subject, requested });
  if (subject === 'slow-user' && slowLookup !== undefined) {
    slowLookup.entered.resolve();
    await slowLookup.release.promise;
  }
  return { name: 'Alice Liddell', email: 'alice@example.org', email_verified: true, sub: 'mallory', iss: 'https://evil.example', aud: 'evil', nonce: 'forged', acr: 'forged' };
};

/** 200, no-store, and exactly these members (token values checked by shape). */
function expectTokenResponse(res: request.Response, members: { scope?: string; id_token?: boolean; refresh_token?: boolean | string }): TokenBody {
  expectNoStoreJson(res, 200);
  expect(res.body).toEqual({
    access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
    token_type: 'Bearer',
    expires_in: 300,
    ...(members.scope !== undefined && { scope: members.scope }),
    ...(members.id_token === true && { id_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/) }),
    ...(members.refresh_token === true && { refresh_token: expect.stringMatching(/^[\w-]{43}$/) }),
    ...(typeof members.refresh_token === 'string' && { refresh_token: members.refresh_token }),
  });
  return res.body as TokenBody;
}

describe('POST /token', () => {
  let db: TestDatabase;
  let t: TestApp;
  const clock = manualClock();
  const seconds = (): number => Math.floor(clock.now() / 1000);

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { clients: [CLIENT, OTHER, CODE_ONLY, PUBLIC], clock, findAccountClaims } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  describe('authorization_code (RFC 6749 §4.1.3, OIDC Core §3.1.3)', () => {
    it('answers 200 no-store with a Bearer access token, expires_in, scope and an ID token; no refresh token without offline_access', async () => {
      const res = await redeem(t, CLIENT, await authorize(t, CLIENT, { push: { scope: 'openid profile' } }));
      expectTokenResponse(res, { scope: 'openid profile', id_token: true });
    });

    it('issues a refresh token when offline_access was granted to a client registered for refresh_token', async () => {
      const res = await redeem(t, CLIENT, await authorize(t, CLIENT, { push: { scope: 'openid profile offline_access' } }));
      expectTokenResponse(res, { scope: 'openid profile offline_access', id_token: true, refresh_token: true });
    });

    it('issues no refresh token when the user did not grant offline_access', async () => {
      const issued = await authorize(t, CLIENT, { push: { scope: 'openid profile offline_access' }, result: { subject: 'user-1', grantedScopes: ['openid', 'profile'] } });
      expectTokenResponse(await redeem(t, CLIENT, issued), { scope: 'openid profile', id_token: true });
    });

    it('issues no refresh token to a client not registered for refresh_token, even with offline_access', async () => {
      const res = await redeem(t, CODE_ONLY, await authorize(t, CODE_ONLY, { push: { scope: 'openid offline_access' } }));
      expectTokenResponse(res, { scope: 'openid offline_access', id_token: true });
    });

    it('issues a refresh token for a plain OAuth request (no openid) to a client registered for refresh_token', async () => {
      const res = await redeem(t, CLIENT, await authorize(t, CLIENT, { push: { scope: 'api:read', nonce: undefined } }));
      expectTokenResponse(res, { scope: 'api:read', refresh_token: true });
    });

    it('issues an RFC 9068 JWT access token (typ at+jwt) that verifies with the keys at /jwks, aud = the issuer by default', async () => {
      const authTime = seconds() - 30;
      const issued = await authorize(t, CLIENT, { push: { scope: 'openid api:read' }, result: { subject: 'user-1', authTime, acr: 'urn:acr:mfa', amr: ['pwd', 'otp'] } });
      const body = expectTokenResponse(await redeem(t, CLIENT, issued), { scope: 'openid api:read', id_token: true });
      const { keys } = await fetchJwks(t);
      const { payload, protectedHeader } = await jwtVerify(body.access_token, keys, { typ: 'at+jwt', issuer: t.issuer, audience: t.issuer, currentDate: new Date(clock.now()) });
      expect(protectedHeader).toEqual({ alg: 'ES256', kid: expect.any(String), typ: 'at+jwt' });
      expect(payload).toEqual({
        iss: t.issuer,
        sub: 'user-1',
        aud: t.issuer,
        client_id: CLIENT.client_id,
        iat: seconds(),
        exp: seconds() + 300,
        jti: expect.stringMatching(/^[\w-]+\.[\w-]+$/),
        scope: 'openid api:read',
        auth_time: authTime,
        acr: 'urn:acr:mfa',
      });
    });

    it('sets the access token audience to the pushed resource (RFC 8707 §2)', async () => {
      const body = await obtainTokens(t, CLIENT, { push: { scope: 'api:read', resource: RESOURCE, nonce: undefined } });
      const { keys } = await fetchJwks(t);
      const { payload } = await jwtVerify(body.access_token, keys, { typ: 'at+jwt', issuer: t.issuer, audience: RESOURCE, currentDate: new Date(clock.now()) });
      expect(payload.aud).toBe(RESOURCE);
    });

    it('issues an ID token with iss, sub, aud = client_id, the nonce, auth_time, amr, acr and the granted scopes\' claims only', async () => {
      const authTime = seconds() - 5;
      accountLookups.length = 0;
      const issued = await authorize(t, CLIENT, {
        push: { scope: 'openid profile email', nonce: 'n-0S6_WzA2Mj' },
        result: { subject: 'user-1', authTime, acr: 'urn:acr:pwd', amr: ['pwd'], grantedScopes: ['openid', 'profile'] },
      });
      const body = expectTokenResponse(await redeem(t, CLIENT, issued), { scope: 'openid profile', id_token: true });
      const { keys } = await fetchJwks(t);
      const { payload, protectedHeader } = await jwtVerify(body.id_token ?? '', keys, { issuer: t.issuer, audience: CLIENT.client_id, currentDate: new Date(clock.now()) });
      expect(protectedHeader).toEqual({ alg: 'ES256', kid: expect.any(String), typ: 'JWT' });
      expect(payload).toEqual({
        iss: t.issuer,
        sub: 'user-1',
        aud: CLIENT.client_id,
        iat: seconds(),
        exp: seconds() + 3600,
        auth_time: authTime,
        nonce: 'n-0S6_WzA2Mj',
        acr: 'urn:acr:pwd',
        amr: ['pwd'],
        name: 'Alice Liddell',
      });
      // The host was asked for the profile claims of user-1, and nothing of email (not granted).
      expect(accountLookups).toHaveLength(1);
      expect(accountLookups[0]?.subject).toBe('user-1');
      expect(accountLookups[0]?.requested).toContain('name');
      expect(accountLookups[0]?.requested).not.toContain('email');
    });

    it('does not let the host\'s account claims override sub, iss, aud, nonce or acr of the ID token', async () => {
      const issued = await authorize(t, CLIENT, { push: { scope: 'openid email' }, result: { subject: 'user-1', acr: 'urn:acr:pwd' } });
      const body = await redeem(t, CLIENT, issued);
      const claims = decodeJwt((body.body as TokenBody).id_token ?? '');
      expect(claims).toMatchObject({ sub: 'user-1', iss: t.issuer, aud: CLIENT.client_id, nonce: 'nonce-456', acr: 'urn:acr:pwd', email: 'alice@example.org', email_verified: true });
      expect(claims.name).toBeUndefined();
    });

    it('refuses an unknown code with invalid_grant', async () => {
      const issued = await authorize(t, CLIENT);
      expectOAuthError(await redeem(t, CLIENT, issued, { code: 'A'.repeat(43) }), 400, 'invalid_grant', 'the authorization code is invalid, expired or already used');
    });

    it('refuses the code of another client with invalid_grant, and the code is burnt for its own client too', async () => {
      const issued = await authorize(t, OTHER);
      expectOAuthError(await redeem(t, CLIENT, issued), 400, 'invalid_grant', 'issued to another client');
      expectOAuthError(await redeem(t, OTHER, issued), 400, 'invalid_grant', 'invalid, expired or already used');
    });

    it('refuses an expired code (codeTtl 60 s) with invalid_grant', async () => {
      const issued = await authorize(t, CLIENT);
      clock.advance(61);
      expectOAuthError(await redeem(t, CLIENT, issued), 400, 'invalid_grant', 'invalid, expired or already used');
    });

    it('refuses a redirect_uri other than the authorization request\'s (even a registered one) with invalid_grant', async () => {
      const issued = await authorize(t, CLIENT);
      expectOAuthError(await redeem(t, CLIENT, issued, { redirect_uri: CLIENT.redirect_uris[1] }), 400, 'invalid_grant', 'redirect_uri does not match');
    });

    it('requires the redirect_uri (invalid_request)', async () => {
      const issued = await authorize(t, CLIENT);
      expectOAuthError(await redeem(t, CLIENT, issued, { redirect_uri: undefined }), 400, 'invalid_request', 'missing required parameter redirect_uri');
    });

    it('requires the code (invalid_request)', async () => {
      expectOAuthError(await tokenRequest(t, CLIENT, { grant_type: 'authorization_code', redirect_uri: CLIENT.redirect_uris[0] }), 400, 'invalid_request', 'missing required parameter code');
    });

    it('refuses a missing code_verifier with invalid_grant (RFC 7636 §4.6)', async () => {
      const issued = await authorize(t, CLIENT);
      expectOAuthError(await redeem(t, CLIENT, issued, { code_verifier: undefined }), 400, 'invalid_grant', 'code_verifier is required');
    });

    it('refuses a code_verifier that does not hash to the challenge with invalid_grant', async () => {
      const issued = await authorize(t, CLIENT);
      expectOAuthError(await redeem(t, CLIENT, issued, { code_verifier: 'x'.repeat(43) }), 400, 'invalid_grant', 'code_verifier does not match the code_challenge');
    });

    it('refuses a malformed code_verifier (RFC 7636 §4.1: 43 to 128 unreserved characters) with invalid_grant', async () => {
      for (const verifier of ['short', 'a'.repeat(129), `${'a'.repeat(42)}!`]) {
        const issued = await authorize(t, CLIENT);
        expectOAuthError(await redeem(t, CLIENT, issued, { code_verifier: verifier }), 400, 'invalid_grant', 'code_verifier must be 43 to 128 unreserved characters');
      }
    });

    it('refuses a replayed code with invalid_grant and revokes what the first redemption issued (RFC 6749 §4.1.2)', async () => {
      const issued = await authorize(t, CLIENT, { push: { scope: 'openid offline_access' } });
      const first = expectTokenResponse(await redeem(t, CLIENT, issued), { scope: 'openid offline_access', id_token: true, refresh_token: true });
      expect((await introspect(t, CLIENT, first.access_token)).body).toMatchObject({ active: true });
      expectOAuthError(await redeem(t, CLIENT, issued), 400, 'invalid_grant', 'invalid, expired or already used');
      expectOAuthError(await refresh(t, CLIENT, first.refresh_token), 400, 'invalid_grant', 'the refresh token is invalid, expired or revoked');
      const introspection = await introspect(t, CLIENT, first.access_token);
      expect(introspection.status).toBe(200);
      expect(introspection.body).toEqual({ active: false });
    });

    it('redeems a code exactly once when 20 redemptions race', async () => {
      const issued = await authorize(t, CLIENT, { push: { scope: 'openid offline_access' } });
      const answers = await Promise.all(Array.from({ length: 20 }, () => redeem(t, CLIENT, issued)));
      expect(answers.filter((res) => res.status === 200)).toHaveLength(1);
      const refused = answers.filter((res) => res.status !== 200);
      expect(refused).toHaveLength(19);
      for (const res of refused) expectOAuthError(res, 400, 'invalid_grant');
    });

    it('ends the grant when a code is replayed while its first redemption is still issuing tokens (RFC 6749 §4.1.2)', async () => {
      // The replay arrives after the first redemption consumed the code but before it stored its refresh
      // token (here: while the host looks up the user's claims for the ID token). The replay revokes the
      // grant; the refresh token stored just after must be dead as well, like the access token is.
      const issued = await authorize(t, CLIENT, { push: { scope: 'openid profile offline_access' }, result: { subject: 'slow-user' } });
      slowLookup = { entered: deferred(), release: deferred() };
      try {
        const first = redeem(t, CLIENT, issued).then((res) => res);
        await slowLookup.entered.promise;
        expectOAuthError(await redeem(t, CLIENT, issued), 400, 'invalid_grant', 'invalid, expired or already used');
        slowLookup.release.resolve();
        const winner = expectTokenResponse(await first, { scope: 'openid profile offline_access', id_token: true, refresh_token: true });
        expect((await introspect(t, CLIENT, winner.access_token)).body).toEqual({ active: false });
        expect((await introspect(t, CLIENT, winner.refresh_token)).body).toEqual({ active: false });
        expectOAuthError(await refresh(t, CLIENT, winner.refresh_token), 400, 'invalid_grant', 'the refresh token is invalid, expired or revoked');
      } finally {
        slowLookup.release.resolve();
        slowLookup = undefined;
      }
    });
  });

  describe('dispatch and client authentication (RFC 6749 §5.2)', () => {
    it('requires grant_type (invalid_request)', async () => {
      expectOAuthError(await tokenRequest(t, CLIENT, { code: 'x' }), 400, 'invalid_request', 'missing required parameter grant_type');
    });

    it('refuses an unknown grant_type with unsupported_grant_type', async () => {
      expectOAuthError(await tokenRequest(t, CLIENT, { grant_type: 'password', username: 'u', password: 'p' }), 400, 'unsupported_grant_type', 'grant_type password is not supported');
    });

    it('refuses a grant the client is not registered for with unauthorized_client', async () => {
      expectOAuthError(await tokenRequest(t, CODE_ONLY, { grant_type: 'client_credentials' }), 400, 'unauthorized_client', 'not registered for the client_credentials grant');
      expectOAuthError(await tokenRequest(t, CODE_ONLY, { grant_type: 'refresh_token', refresh_token: 'x' }), 400, 'unauthorized_client', 'not registered for the refresh_token grant');
    });

    it('answers 401 invalid_client with a Basic challenge to a wrong secret, before looking at the grant', async () => {
      const issued = await authorize(t, CLIENT);
      const res = await redeem(t, { ...CLIENT, client_secret: `${CLIENT.client_secret}-wrong` }, issued);
      expectOAuthError(res, 401, 'invalid_client', 'client authentication failed');
      expect(res.headers['www-authenticate']).toBe('Basic realm="oauth", charset="UTF-8"');
      // The code was not touched: its client can still redeem it.
      expect((await redeem(t, CLIENT, issued)).status).toBe(200);
    });

    it('answers 401 invalid_client to an unauthenticated request for a confidential client', async () => {
      const res = await request(t.server).post('/token').type('form').send({ grant_type: 'client_credentials', client_id: CLIENT.client_id });
      expectOAuthError(res, 401, 'invalid_client', 'client must authenticate with client_secret_basic');
    });

    it('answers GET /token with 405 and Allow: POST', async () => {
      const res = await request(t.server).get('/token').set('Authorization', basicAuth(CLIENT.client_id, CLIENT.client_secret));
      expectOAuthError(res, 405, 'invalid_request', 'accepts POST only');
      expect(res.headers.allow).toBe('POST');
    });

    it('refuses a body that is not form-encoded (invalid_request)', async () => {
      const res = await request(t.server).post('/token').set('Authorization', basicAuth(CLIENT.client_id, CLIENT.client_secret)).send({ grant_type: 'client_credentials' });
      expectOAuthError(res, 400, 'invalid_request', 'application/x-www-form-urlencoded');
    });
  });

  describe('refresh_token (RFC 6749 §6)', () => {
    it('issues a new access token and ID token, and answers the same refresh token to a confidential client (no rotation by default)', async () => {
      const first = await obtainTokens(t, CLIENT, { push: { scope: 'openid profile offline_access' } });
      const res = await refresh(t, CLIENT, first.refresh_token);
      const body = expectTokenResponse(res, { scope: 'openid profile offline_access', id_token: true, refresh_token: first.refresh_token ?? '' });
      expect(decodeJwt(body.access_token).jti).not.toBe(decodeJwt(first.access_token).jti);
      // The same grant: the jti starts with the grant id, and the ID token has no nonce (OIDC Core §12.2).
      expect(String(decodeJwt(body.access_token).jti).split('.')[0]).toBe(String(decodeJwt(first.access_token).jti).split('.')[0]);
      expect(decodeJwt(body.id_token ?? '')).not.toHaveProperty('nonce');
      expectTokenResponse(await refresh(t, CLIENT, first.refresh_token), { scope: 'openid profile offline_access', id_token: true, refresh_token: first.refresh_token ?? '' });
    });

    it('narrows the scope on request, without narrowing the grant', async () => {
      const first = await obtainTokens(t, CLIENT, { push: { scope: 'openid profile offline_access api:read' } });
      const narrowed = expectTokenResponse(await refresh(t, CLIENT, first.refresh_token, { scope: 'api:read' }), { scope: 'api:read', refresh_token: first.refresh_token ?? '' });
      expect(decodeJwt(narrowed.access_token).scope).toBe('api:read');
      expectTokenResponse(await refresh(t, CLIENT, first.refresh_token), { scope: 'openid profile offline_access api:read', id_token: true, refresh_token: first.refresh_token ?? '' });
    });

    it('refuses to widen the scope with invalid_scope', async () => {
      const first = await obtainTokens(t, CLIENT, { push: { scope: 'openid offline_access' } });
      expectOAuthError(await refresh(t, CLIENT, first.refresh_token, { scope: 'openid email' }), 400, 'invalid_scope', 'scope exceeds the original grant: email');
    });

    it('rotates a public client\'s refresh token; the old one replayed is refused and kills the grant, the new one included', async () => {
      const first = await obtainTokens(t, PUBLIC, { push: { scope: 'openid offline_access' } });
      expect(first.refresh_token).toBeDefined();
      const rotated = expectTokenResponse(await refresh(t, PUBLIC, first.refresh_token), { scope: 'openid offline_access', id_token: true, refresh_token: true });
      expect(rotated.refresh_token).not.toBe(first.refresh_token);
      expectOAuthError(await refresh(t, PUBLIC, first.refresh_token), 400, 'invalid_grant', 'the refresh token is invalid, expired or revoked');
      expectOAuthError(await refresh(t, PUBLIC, rotated.refresh_token), 400, 'invalid_grant', 'the refresh token is invalid, expired or revoked');
      expect((await introspect(t, CLIENT, rotated.access_token)).body).toEqual({ active: false });
    });

    it('refuses the refresh token of another client with invalid_grant (and leaves it usable by its client)', async () => {
      const other = await obtainTokens(t, OTHER, { push: { scope: 'openid offline_access' } });
      expectOAuthError(await refresh(t, CLIENT, other.refresh_token), 400, 'invalid_grant', 'the refresh token is invalid, expired or revoked');
      expect((await refresh(t, OTHER, other.refresh_token)).status).toBe(200);
    });

    it('refuses an unknown refresh token with invalid_grant, and requires refresh_token (invalid_request)', async () => {
      expectOAuthError(await refresh(t, CLIENT, 'A'.repeat(43)), 400, 'invalid_grant');
      expectOAuthError(await refresh(t, CLIENT, undefined), 400, 'invalid_request', 'missing required parameter refresh_token');
    });

    it('refuses an expired refresh token (refreshTokenTtl, 14 days by default) with invalid_grant', async () => {
      const first = await obtainTokens(t, CLIENT, { push: { scope: 'openid offline_access' } });
      clock.advance(14 * 24 * 3600 - 1);
      expect((await refresh(t, CLIENT, first.refresh_token)).status).toBe(200);
      clock.advance(1);
      expectOAuthError(await refresh(t, CLIENT, first.refresh_token), 400, 'invalid_grant');
    });
  });

  describe('client_credentials (RFC 6749 §4.4)', () => {
    it('issues an access token whose subject is the client: no refresh token, no ID token', async () => {
      const res = await tokenRequest(t, CLIENT, { grant_type: 'client_credentials', scope: 'api:read' });
      const body = expectTokenResponse(res, { scope: 'api:read' });
      const { keys } = await fetchJwks(t);
      const { payload } = await jwtVerify(body.access_token, keys, { typ: 'at+jwt', issuer: t.issuer, audience: t.issuer, currentDate: new Date(clock.now()) });
      expect(payload).toEqual({
        iss: t.issuer,
        sub: CLIENT.client_id,
        aud: t.issuer,
        client_id: CLIENT.client_id,
        iat: seconds(),
        exp: seconds() + 300,
        jti: expect.any(String),
        scope: 'api:read',
      });
      expect(decodeProtectedHeader(body.access_token).typ).toBe('at+jwt');
    });

    it('issues a token without scope when none is asked for', async () => {
      const res = await tokenRequest(t, CLIENT, { grant_type: 'client_credentials' });
      const body = expectTokenResponse(res, {});
      expect(decodeJwt(body.access_token)).not.toHaveProperty('scope');
    });

    it('refuses a public client with unauthorized_client', async () => {
      expectOAuthError(await tokenRequest(t, PUBLIC, { grant_type: 'client_credentials', scope: 'api:read' }), 400, 'unauthorized_client', 'for confidential clients only');
    });

    it('refuses the end-user scopes openid and offline_access with invalid_scope', async () => {
      expectOAuthError(await tokenRequest(t, CLIENT, { grant_type: 'client_credentials', scope: 'openid api:read' }), 400, 'invalid_scope', 'scope "openid" needs an end-user');
      expectOAuthError(await tokenRequest(t, CLIENT, { grant_type: 'client_credentials', scope: 'offline_access' }), 400, 'invalid_scope', 'scope "offline_access" needs an end-user');
    });

    it('refuses a scope the client may not ask for with invalid_scope', async () => {
      expectOAuthError(await tokenRequest(t, CLIENT, { grant_type: 'client_credentials', scope: 'admin' }), 400, 'invalid_scope', 'scope "admin" is not allowed for this client');
    });
  });
});

describe('POST /token with rotateRefreshTokens: always', () => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { clients: [CLIENT], rotateRefreshTokens: 'always' } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('rotates the refresh token of a confidential client too, and a replay of the old one kills the grant', async () => {
    const first = await obtainTokens(t, CLIENT, { push: { scope: 'openid offline_access' } });
    const rotated = expectTokenResponse(await refresh(t, CLIENT, first.refresh_token), { scope: 'openid offline_access', id_token: true, refresh_token: true });
    expect(rotated.refresh_token).not.toBe(first.refresh_token);
    const again = expectTokenResponse(await refresh(t, CLIENT, rotated.refresh_token), { scope: 'openid offline_access', id_token: true, refresh_token: true });
    expectOAuthError(await refresh(t, CLIENT, first.refresh_token), 400, 'invalid_grant');
    expectOAuthError(await refresh(t, CLIENT, again.refresh_token), 400, 'invalid_grant');
  });
});

describe('POST /token on two app instances sharing one database', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    [a, b] = (await createTestAppInstances(2, { database: db, par: { clients: [CLIENT] } })) as [TestApp, TestApp];
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('redeems a code exactly once when 20 redemptions race across both instances', async () => {
    const issued = await authorize(a, CLIENT);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => redeem(i % 2 === 0 ? a : b, CLIENT, issued)));
    expect(answers.filter((res) => res.status === 200)).toHaveLength(1);
    const refused = answers.filter((res) => res.status !== 200);
    expect(refused).toHaveLength(19);
    for (const res of refused) expectOAuthError(res, 400, 'invalid_grant');
  });

  it('lets either instance redeem a code issued by the other, and refresh its tokens', async () => {
    const issued = await authorize(a, CLIENT, { push: { scope: 'openid offline_access' } });
    const body = expectTokenResponse(await redeem(b, CLIENT, issued), { scope: 'openid offline_access', id_token: true, refresh_token: true });
    expect((await refresh(a, CLIENT, body.refresh_token)).status).toBe(200);
    expect((await introspect(a, CLIENT, body.access_token)).body).toMatchObject({ active: true });
  });
});
