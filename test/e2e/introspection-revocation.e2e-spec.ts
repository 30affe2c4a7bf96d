import { decodeJwt } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASIC_CLIENT, POST_CLIENT, PUBLIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { basicAuth } from '../support/oauth.js';
import { expectNoStoreJson, introspect, manualClock, obtainTokens, refresh, revoke, tokenRequest } from '../support/tokens.js';

const GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'];
/** A confidential client (client_secret_basic): the tokens' owner. */
const CLIENT = { ...BASIC_CLIENT, grant_types: GRANTS };
/** Another confidential client (client_secret_post). */
const OTHER = { ...POST_CLIENT, grant_types: GRANTS };
/** A resource server, registered as a client whose client_id is its audience (an RFC 8707 resource). */
const RESOURCE_SERVER = { ...POST_CLIENT, client_id: 'https://api.example.org', grant_types: ['client_credentials'] };
/** A public client that may refresh. */
const PUBLIC = { ...PUBLIC_CLIENT, scope: 'openid profile offline_access', grant_types: ['authorization_code', 'refresh_token'] };

const INACTIVE = { active: false };

/** RFC 7009 §2.2: 200, an empty body, not cacheable. */
function expectRevoked(res: request.Response): void {
  expect(res.status).toBe(200);
  expect(res.text).toBe('');
  expect(res.headers['cache-control']).toBe('no-store');
}

describe('POST /introspect (RFC 7662)', () => {
  let db: TestDatabase;
  let t: TestApp;
  const clock = manualClock();

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { clients: [CLIENT, OTHER, PUBLIC, RESOURCE_SERVER], clock } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('describes an active access token: active, token_type Bearer and its claims (§2.2)', async () => {
    const authTime = Math.floor(clock.now() / 1000) - 10;
    const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid profile api:read' }, result: { subject: 'user-1', authTime, acr: 'urn:acr:pwd' } });
    const res = await introspect(t, CLIENT, tokens.access_token);
    expectNoStoreJson(res, 200);
    const iat = Math.floor(clock.now() / 1000);
    expect(res.body).toEqual({
      active: true,
      token_type: 'Bearer',
      iss: t.issuer,
      sub: 'user-1',
      aud: t.issuer,
      client_id: CLIENT.client_id,
      scope: 'openid profile api:read',
      iat,
      exp: iat + 300,
      jti: decodeJwt(tokens.access_token).jti,
      auth_time: authTime,
      acr: 'urn:acr:pwd',
    });
  });

  it('describes an access token only to its client and its audience (§4), not to any other client', async () => {
    const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'api:read', nonce: undefined } });
    expect((await introspect(t, OTHER, tokens.access_token)).body).toEqual(INACTIVE);
    const forApi = await obtainTokens(t, CLIENT, { push: { scope: 'api:read', nonce: undefined, resource: RESOURCE_SERVER.client_id } });
    expect((await introspect(t, RESOURCE_SERVER, forApi.access_token)).body).toMatchObject({ active: true, client_id: CLIENT.client_id, aud: RESOURCE_SERVER.client_id, scope: 'api:read' });
    expect((await introspect(t, RESOURCE_SERVER, tokens.access_token)).body).toEqual(INACTIVE);
  });

  it('answers active:false, and nothing else, for garbage, a JWT that is not our access token, and an expired token', async () => {
    const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid offline_access' } });
    for (const token of ['garbage', 'a.b.c', tokens.id_token ?? '', 'x'.repeat(600)]) {
      const res = await introspect(t, CLIENT, token);
      expectNoStoreJson(res, 200);
      expect(res.body).toEqual(INACTIVE);
    }
    clock.advance(300 + 10 + 1); // past exp and the clock skew
    expect((await introspect(t, CLIENT, tokens.access_token)).body).toEqual(INACTIVE);
  });

  it('answers active:false as soon as an access token\'s exp has passed (§2.2: active only within its time window)', async () => {
    const tokens = await obtainTokens(t, CLIENT);
    clock.advance(299);
    expect((await introspect(t, CLIENT, tokens.access_token)).body).toMatchObject({ active: true });
    clock.advance(2); // one second past exp: the token is expired, whatever the skew allowed for others' clocks
    expect((await introspect(t, CLIENT, tokens.access_token)).body).toEqual(INACTIVE);
  });

  it('describes a refresh token to the client it was issued to, with token_type refresh_token', async () => {
    const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid offline_access' } });
    const iat = Math.floor(clock.now() / 1000);
    const hints: Array<Record<string, string>> = [{}, { token_type_hint: 'refresh_token' }, { token_type_hint: 'access_token' }];
    for (const extra of hints) {
      const res = await introspect(t, CLIENT, tokens.refresh_token, extra);
      expectNoStoreJson(res, 200);
      expect(res.body).toEqual({
        active: true,
        token_type: 'refresh_token',
        client_id: CLIENT.client_id,
        sub: 'user-1',
        scope: 'openid offline_access',
        iss: t.issuer,
        iat,
        exp: iat + 1_209_600,
      });
    }
  });

  it('answers active:false for a refresh token of another client', async () => {
    const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid offline_access' } });
    expect((await introspect(t, OTHER, tokens.refresh_token)).body).toEqual(INACTIVE);
  });

  it('finds an access token whatever the token_type_hint says (§2.1: the hint may be wrong)', async () => {
    const tokens = await obtainTokens(t, CLIENT);
    expect((await introspect(t, CLIENT, tokens.access_token, { token_type_hint: 'refresh_token' })).body).toMatchObject({ active: true, token_type: 'Bearer' });
  });

  it('refuses a public client with 401 invalid_client (introspection is for confidential clients)', async () => {
    expectOAuthError(await introspect(t, PUBLIC, 'anything'), 401, 'invalid_client', 'confidential clients only');
  });

  it('refuses a wrong secret with 401 invalid_client and a Basic challenge', async () => {
    const res = await introspect(t, { ...CLIENT, client_secret: `${CLIENT.client_secret}-wrong` }, 'anything');
    expectOAuthError(res, 401, 'invalid_client');
    expect(res.headers['www-authenticate']).toBe('Basic realm="oauth", charset="UTF-8"');
  });

  it('requires the token parameter (400 invalid_request)', async () => {
    expectOAuthError(await introspect(t, CLIENT, undefined), 400, 'invalid_request', 'missing required parameter token');
  });

  it('answers GET with 405 and Allow: POST', async () => {
    const res = await request(t.server).get('/introspect').set('Authorization', basicAuth(CLIENT.client_id, CLIENT.client_secret));
    expectOAuthError(res, 405, 'invalid_request');
    expect(res.headers.allow).toBe('POST');
  });
});

describe('POST /revoke (RFC 7009)', () => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { clients: [CLIENT, OTHER, PUBLIC] } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('revokes an access token: 200 with an empty body, then introspection says active:false', async () => {
    const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid offline_access' } });
    expectRevoked(await revoke(t, CLIENT, tokens.access_token));
    expect((await introspect(t, CLIENT, tokens.access_token)).body).toEqual(INACTIVE);
    // Revoking again is still a success.
    expectRevoked(await revoke(t, CLIENT, tokens.access_token, { token_type_hint: 'access_token' }));
  });

  it('leaves the grant alone when an access token is revoked: the refresh token still works (§2.1 MAY)', async () => {
    const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid offline_access' } });
    expectRevoked(await revoke(t, CLIENT, tokens.access_token));
    const refreshed = await refresh(t, CLIENT, tokens.refresh_token);
    expect(refreshed.status).toBe(200);
    expect((await introspect(t, CLIENT, refreshed.body.access_token as string)).body).toMatchObject({ active: true });
  });

  it('revokes a refresh token with its grant: its access tokens are inactive and refreshing fails (§2.1)', async () => {
    const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid offline_access' } });
    const refreshed = await refresh(t, CLIENT, tokens.refresh_token);
    expect(refreshed.status).toBe(200);
    expectRevoked(await revoke(t, CLIENT, tokens.refresh_token, { token_type_hint: 'refresh_token' }));
    expect((await introspect(t, CLIENT, tokens.access_token)).body).toEqual(INACTIVE);
    expect((await introspect(t, CLIENT, refreshed.body.access_token as string)).body).toEqual(INACTIVE);
    expect((await introspect(t, CLIENT, tokens.refresh_token)).body).toEqual(INACTIVE);
    expectOAuthError(await refresh(t, CLIENT, tokens.refresh_token), 400, 'invalid_grant', 'the refresh token is invalid, expired or revoked');
  });

  it('lets a public client revoke its own refresh token', async () => {
    const tokens = await obtainTokens(t, PUBLIC, { push: { scope: 'openid offline_access' } });
    expectRevoked(await revoke(t, PUBLIC, tokens.refresh_token));
    expectOAuthError(await refresh(t, PUBLIC, tokens.refresh_token), 400, 'invalid_grant');
  });

  it('answers 200 for an unknown token, whatever it looks like (§2.2)', async () => {
    for (const token of ['unknown', 'a.b.c', 'A'.repeat(43), 'x'.repeat(600)]) expectRevoked(await revoke(t, CLIENT, token));
  });

  it('answers 200 for another client\'s tokens but leaves them active', async () => {
    const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid offline_access' } });
    expectRevoked(await revoke(t, OTHER, tokens.access_token));
    expectRevoked(await revoke(t, OTHER, tokens.refresh_token));
    expect((await introspect(t, CLIENT, tokens.access_token)).body).toMatchObject({ active: true });
    expect((await introspect(t, CLIENT, tokens.refresh_token)).body).toMatchObject({ active: true });
    expect((await refresh(t, CLIENT, tokens.refresh_token)).status).toBe(200);
  });

  it('revokes a client_credentials access token', async () => {
    const issued = await tokenRequest(t, CLIENT, { grant_type: 'client_credentials', scope: 'api:read' });
    expect(issued.status).toBe(200);
    expectRevoked(await revoke(t, CLIENT, issued.body.access_token as string));
    expect((await introspect(t, CLIENT, issued.body.access_token as string)).body).toEqual(INACTIVE);
  });

  it('requires client authentication (401 invalid_client) and the token parameter (400 invalid_request)', async () => {
    const tokens = await obtainTokens(t, CLIENT);
    expectOAuthError(await revoke(t, { ...CLIENT, client_secret: `${CLIENT.client_secret}-wrong` }, tokens.access_token), 401, 'invalid_client');
    expect((await introspect(t, CLIENT, tokens.access_token)).body).toMatchObject({ active: true });
    expectOAuthError(await revoke(t, CLIENT, undefined), 400, 'invalid_request', 'missing required parameter token');
  });

  it('answers GET with 405 and Allow: POST', async () => {
    const res = await request(t.server).get('/revoke');
    expectOAuthError(res, 405, 'invalid_request');
    expect(res.headers.allow).toBe('POST');
  });
});
