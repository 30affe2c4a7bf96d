import { decodeJwt, jwtVerify } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccountClaimsRequest, InteractionService, type ParModuleOptions } from '../../src/par/index.js';
import { BASIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { browserRequest, interactionFrom, pushRequest, queryOf, startInteraction } from '../support/flow.js';
import { authorizationParams, basicAuth, form, pkcePair } from '../support/oauth.js';
import { authorize, expectNoStoreJson, fetchJwks, manualClock, obtainTokens, redeem, refresh, revoke, type TokenBody } from '../support/tokens.js';
import { bearerChallenge, claimsParameter, userinfo } from '../support/userinfo.js';

const CLIENT = { ...BASIC_CLIENT, grant_types: ['authorization_code', 'refresh_token', 'client_credentials'] };
const REDIRECT = CLIENT.redirect_uris[0];

const IDENTITY_ASSURANCE = { trustFrameworks: ['de_aml'], claimsInVerifiedClaims: ['given_name', 'family_name', 'birthdate'], evidence: ['document'], documents: ['idcard'] };

/** What the host attests for user-1 under the German AML law: an ID card checked in person. */
const AML_VERIFICATION = {
  trust_framework: 'de_aml',
  time: '2024-03-01T10:00:00Z',
  verification_process: 'f24c6f-6d3f-4ec5-973e-b0d8506f3bc7',
  evidence: [{ type: 'document', method: 'pipp', document_details: { type: 'idcard', document_number: 'T22000129', issuer: { name: 'Stadt Augsburg', country: 'DE' } } }],
};

/** What findAccountClaims was asked, in order. */
const lookups: Array<{ subject: string; request: AccountClaimsRequest }> = [];

/** The lookups with their claim names sorted: the stored request is jsonb, whose members come back in its own order. */
function sortedLookups(): typeof lookups {
  return lookups.map(({ subject, request }) => ({ subject, request: { ...request, claims: [...request.claims].sort() } }));
}

/** The host: more than anything asks for, claims the server keeps for itself, and attested data. */
const findAccountClaims: ParModuleOptions['findAccountClaims'] = (subject, claimsRequest) => {
  lookups.push({ subject, request: claimsRequest });
  return {
    name: 'Alice Liddell',
    given_name: 'Alice',
    family_name: 'Liddell',
    nickname: 'al',
    email: 'alice@example.org',
    email_verified: true,
    locale: 'en-GB',
    sub: 'mallory',
    iss: 'https://evil.example',
    verified_claims: [
      { verification: AML_VERIFICATION, claims: { given_name: 'Alice', family_name: 'Liddell', birthdate: '1852-05-04' } },
      { verification: { trust_framework: 'eidas', assurance_level: 'high' }, claims: { given_name: 'Alice' } },
    ],
  };
};

/** Pushes (HTTP Basic), expecting an error. */
function push(t: TestApp, overrides: Record<string, string | undefined>): request.Test {
  return request(t.server)
    .post('/par')
    .set('Authorization', basicAuth(CLIENT.client_id, CLIENT.client_secret))
    .type('form')
    .send(form(authorizationParams(REDIRECT, overrides)));
}

describe('the claims request parameter (OIDC Core §5.5, IDA 1.0) and UserInfo (OIDC Core §5.3)', () => {
  let db: TestDatabase;
  let t: TestApp;
  const clock = manualClock();
  const seconds = (): number => Math.floor(clock.now() / 1000);

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { clients: [CLIENT], clock, findAccountClaims, identityAssurance: IDENTITY_ASSURANCE } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  describe('validation at /par and /authorize', () => {
    it.each([
      ['malformed JSON', '{"id_token":', 'claims must be a JSON object'],
      ['a JSON array', '[{"id_token":{}}]', 'claims must be a JSON object'],
      ['a claim requested with a string', claimsParameter({ userinfo: { email: 'please' } }), 'claims.userinfo.email must be null or a JSON object'],
      ['essential not a boolean', claimsParameter({ id_token: { email: { essential: 1 } } }), 'claims.id_token.email.essential must be a boolean'],
      ['verified_claims without trust_framework', claimsParameter({ id_token: { verified_claims: { verification: {}, claims: { given_name: null } } } }), 'claims.id_token.verified_claims.verification.trust_framework is required'],
      ['verified_claims with empty claims', claimsParameter({ userinfo: { verified_claims: { verification: { trust_framework: null }, claims: {} } } }), 'claims.userinfo.verified_claims.claims must be a non-empty JSON object'],
      ['more than 32 KiB', claimsParameter({ userinfo: { email: { padding: 'x'.repeat(32 * 1024) } } }), 'claims must not be larger than 32768 bytes'],
    ])('PAR answers 400 invalid_request for %s', async (_case, claims, description) => {
      expectOAuthError(await push(t, { claims }), 400, 'invalid_request', description);
    });

    it('redirects invalid_request with state and iss for a malformed claims parameter at /authorize without PAR', async () => {
      const params = { ...authorizationParams(REDIRECT, { state: 'plain-1', claims: '{"userinfo": 5}' }), client_id: CLIENT.client_id };
      const res = await request(t.server).get('/authorize').query(params);
      expect(res.status).toBe(303);
      const location = res.headers.location as string;
      expect(location.startsWith(`${REDIRECT}?`)).toBe(true);
      expect(queryOf(location)).toEqual({ error: 'invalid_request', error_description: 'claims.userinfo must be a JSON object', state: 'plain-1', iss: t.issuer });
    });

    it('stores the parsed request, nulls included and unknown members left out, and tells the host\'s consent page about it', async () => {
      const claims = { id_token: { given_name: null }, userinfo: { email: { essential: true, purpose: 'to send receipts' } }, unknown_member: {} };
      const requestUri = await pushRequest(t, CLIENT, { claims: claimsParameter(claims) });
      const { uid, cookie } = await startInteraction(t, CLIENT.client_id, requestUri);
      const details = await t.app.get(InteractionService).details(uid, browserRequest(cookie));
      expect(details.claims).toEqual({ id_token: { given_name: null }, userinfo: { email: { essential: true, purpose: 'to send receipts' } } });
    });
  });

  describe('the ID token', () => {
    const claims = {
      id_token: {
        given_name: null,
        nickname: { value: 'Al' },
        acr: { essential: true },
        verified_claims: {
          verification: { trust_framework: { value: 'de_aml' }, time: null, evidence: [{ type: { value: 'document' }, document_details: { type: null } }] },
          claims: { birthdate: { essential: true }, place_of_birth: null },
        },
      },
      userinfo: { family_name: { essential: true } },
    };

    it('holds the scope claims, exactly the id_token-requested claims the user has, and verified_claims filtered by the request', async () => {
      lookups.length = 0;
      const issued = await authorize(t, CLIENT, { push: { scope: 'openid email', claims: claimsParameter(claims) }, result: { subject: 'user-1', authTime: seconds() - 5 } });
      const res = await redeem(t, CLIENT, issued);
      expectNoStoreJson(res, 200);
      const { keys } = await fetchJwks(t);
      const { payload } = await jwtVerify((res.body as TokenBody).id_token ?? '', keys, { issuer: t.issuer, audience: CLIENT.client_id, currentDate: new Date(clock.now()) });
      expect(payload).toEqual({
        iss: t.issuer,
        sub: 'user-1',
        aud: CLIENT.client_id,
        iat: seconds(),
        exp: seconds() + 3600,
        auth_time: seconds() - 5,
        nonce: 'nonce-456',
        email: 'alice@example.org',
        email_verified: true,
        given_name: 'Alice',
        verified_claims: {
          verification: { trust_framework: 'de_aml', time: '2024-03-01T10:00:00Z', evidence: [{ type: 'document', document_details: { type: 'idcard' } }] },
          claims: { birthdate: '1852-05-04' },
        },
      });
      // The host was asked once, for the ID token: the scope's and the id_token member's claims, and the verified claims.
      expect(sortedLookups()).toEqual([
        { subject: 'user-1', request: { target: 'id_token', claims: ['email', 'email_verified', 'given_name', 'nickname'], verifiedClaims: [claims.id_token.verified_claims] } },
      ]);
    });

    it('carries the userinfo member, and only it, in the access token; none when the request had no claims', async () => {
      const withClaims = await obtainTokens(t, CLIENT, { push: { scope: 'openid', claims: claimsParameter(claims) } });
      expect(decodeJwt(withClaims.access_token).claims).toEqual({ userinfo: { family_name: { essential: true } } });
      const idTokenOnly = await obtainTokens(t, CLIENT, { push: { scope: 'openid', claims: claimsParameter({ id_token: claims.id_token }) } });
      expect(decodeJwt(idTokenOnly.access_token)).not.toHaveProperty('claims');
      const without = await obtainTokens(t, CLIENT, { push: { scope: 'openid' } });
      expect(decodeJwt(without.access_token)).not.toHaveProperty('claims');
    });

    it('keeps the claims request across refreshes: the new ID token and access token answer it the same way', async () => {
      const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid offline_access', claims: claimsParameter(claims) } });
      const res = await refresh(t, CLIENT, tokens.refresh_token);
      expectNoStoreJson(res, 200);
      const body = res.body as TokenBody;
      expect(decodeJwt(body.id_token ?? '')).toMatchObject({ given_name: 'Alice', verified_claims: { claims: { birthdate: '1852-05-04' } } });
      expect(decodeJwt(body.access_token).claims).toEqual({ userinfo: { family_name: { essential: true } } });
    });

    it('gives the ID token no userinfo-requested claims, and no claims at all when nothing is asked (the host is not called)', async () => {
      lookups.length = 0;
      const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid', claims: claimsParameter({ userinfo: { name: null } }) } });
      expect(Object.keys(decodeJwt(tokens.id_token ?? '')).sort()).toEqual(['aud', 'auth_time', 'exp', 'iat', 'iss', 'nonce', 'sub']);
      expect(lookups).toEqual([]);
    });

    it('also takes the claims parameter of a plain request at /authorize (PAR optional)', async () => {
      const { verifier, challenge } = pkcePair();
      const params = { ...authorizationParams(REDIRECT, { scope: 'openid', code_challenge: challenge, claims: claimsParameter({ id_token: { nickname: null } }) }), client_id: CLIENT.client_id };
      const started = interactionFrom(await request(t.server).get('/authorize').query(params));
      const location = await t.app.get(InteractionService).finish(started.uid, browserRequest(started.cookie), { subject: 'user-1' });
      const res = await redeem(t, CLIENT, { code: queryOf(location).code ?? '', verifier, redirectUri: REDIRECT, state: '', nonce: '' });
      expect(res.status).toBe(200);
      expect(decodeJwt((res.body as TokenBody).id_token ?? '')).toMatchObject({ sub: 'user-1', nickname: 'al' });
    });
  });

  describe('GET and POST /userinfo', () => {
    it.each(['GET header', 'POST header', 'POST form'] as const)('%s: 200 no-store JSON with sub, the scope claims and the userinfo-requested claims', async (method) => {
      const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid email', claims: claimsParameter({ userinfo: { family_name: { essential: true }, locale: null }, id_token: { nickname: null } }) } });
      lookups.length = 0;
      const res = await userinfo(t, tokens.access_token, method);
      expectNoStoreJson(res, 200);
      expect(res.body).toEqual({ sub: 'user-1', email: 'alice@example.org', email_verified: true, family_name: 'Liddell', locale: 'en-GB' });
      expect(sortedLookups()).toEqual([{ subject: 'user-1', request: { target: 'userinfo', claims: ['email', 'email_verified', 'family_name', 'locale'] } }]);
    });

    it('answers the scope claims alone without a claims request, and never the host\'s sub or iss', async () => {
      const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid profile' }, result: { subject: 'user-2' } });
      const res = await userinfo(t, tokens.access_token);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ sub: 'user-2', name: 'Alice Liddell', given_name: 'Alice', family_name: 'Liddell', nickname: 'al', locale: 'en-GB' });
    });

    it('answers sub alone for openid without claim scopes or claims request', async () => {
      const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid' } });
      const res = await userinfo(t, tokens.access_token);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ sub: 'user-1' });
    });

    it('leaves out a claim whose value misses the requested value or values', async () => {
      const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid', claims: claimsParameter({ userinfo: { given_name: { value: 'Bob' }, locale: { values: ['en-GB', 'en-US'] } } }) } });
      expect((await userinfo(t, tokens.access_token)).body).toEqual({ sub: 'user-1', locale: 'en-GB' });
    });

    it('answers verified_claims requested for userinfo, filtered: only matching trust frameworks, requested claims and verification fields', async () => {
      const claims = {
        userinfo: {
          verified_claims: [
            { verification: { trust_framework: { values: ['de_aml', 'uk_tfida'] }, verification_process: null }, claims: { given_name: null, family_name: null, nationalities: null } },
            { verification: { trust_framework: { value: 'jp_aml' } }, claims: { birthdate: null } },
          ],
        },
      };
      const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid', claims: claimsParameter(claims) } });
      const res = await userinfo(t, tokens.access_token);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        sub: 'user-1',
        verified_claims: { verification: { trust_framework: 'de_aml', verification_process: AML_VERIFICATION.verification_process }, claims: { given_name: 'Alice', family_name: 'Liddell' } },
      });
    });

    it('omits verified_claims (no error) when nothing attested matches', async () => {
      const claims = { userinfo: { verified_claims: { verification: { trust_framework: { value: 'jp_aml' } }, claims: { birthdate: null } } } };
      const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid', claims: claimsParameter(claims) } });
      expect((await userinfo(t, tokens.access_token)).body).toEqual({ sub: 'user-1' });
    });
  });

  describe('UserInfo errors (RFC 6750 §3)', () => {
    it('answers 401 with a bare Bearer challenge and no body when no token is sent', async () => {
      for (const method of ['GET header', 'POST header', 'POST form'] as const) {
        const res = await userinfo(t, undefined, method);
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toBe(bearerChallenge(t.issuer));
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.text).toBe('');
      }
    });

    it('treats another authentication scheme like no token', async () => {
      const res = await request(t.server).get('/userinfo').set('Authorization', basicAuth(CLIENT.client_id, CLIENT.client_secret));
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(bearerChallenge(t.issuer));
    });

    it('answers 401 invalid_token for a token that is not ours', async () => {
      const res = await userinfo(t, 'eyJhbGciOiJub25lIn0.e30.');
      expectOAuthError(res, 401, 'invalid_token', 'the access token is invalid');
      expect(res.headers['www-authenticate']).toBe(bearerChallenge(t.issuer, 'invalid_token', 'the access token is invalid'));
    });

    it('answers 401 invalid_token for an expired token and for a revoked one', async () => {
      const expired = await obtainTokens(t, CLIENT, { push: { scope: 'openid' } });
      clock.advance(301 + 10);
      const late = await userinfo(t, expired.access_token);
      expectOAuthError(late, 401, 'invalid_token', 'the access token expired');
      expect(late.headers['www-authenticate']).toBe(bearerChallenge(t.issuer, 'invalid_token', 'the access token expired'));
      const revoked = await obtainTokens(t, CLIENT, { push: { scope: 'openid' } });
      expect((await revoke(t, CLIENT, revoked.access_token)).status).toBe(200);
      expectOAuthError(await userinfo(t, revoked.access_token), 401, 'invalid_token', 'the access token was revoked');
    });

    it('answers 403 insufficient_scope, naming openid, for a token granted without openid', async () => {
      const userToken = await obtainTokens(t, CLIENT, { push: { scope: 'api:read', nonce: undefined } });
      const res = await userinfo(t, userToken.access_token);
      expectOAuthError(res, 403, 'insufficient_scope', 'the access token lacks scope openid');
      expect(res.headers['www-authenticate']).toBe(bearerChallenge(t.issuer, 'insufficient_scope', 'the access token lacks scope openid', 'openid'));
      const clientToken = await request(t.server).post('/token').set('Authorization', basicAuth(CLIENT.client_id, CLIENT.client_secret)).type('form').send(form({ grant_type: 'client_credentials', scope: 'api:read' }));
      expectOAuthError(await userinfo(t, (clientToken.body as TokenBody).access_token), 403, 'insufficient_scope');
    });

    it('answers 400 invalid_request for a malformed Bearer header, and for a token sent two ways', async () => {
      const malformed = await request(t.server).get('/userinfo').set('Authorization', 'Bearer a b');
      expectOAuthError(malformed, 400, 'invalid_request', 'the Authorization header must be Bearer or DPoP followed by the access token');
      expect(malformed.headers['www-authenticate']).toBe(bearerChallenge(t.issuer, 'invalid_request', 'the Authorization header must be Bearer or DPoP followed by the access token'));
      const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid' } });
      const twice = await request(t.server).post('/userinfo').set('Authorization', `Bearer ${tokens.access_token}`).type('form').send(form({ access_token: tokens.access_token }));
      expectOAuthError(twice, 400, 'invalid_request', 'the access token must be sent in one way only');
    });

    it('answers 405 to other methods', async () => {
      const res = await request(t.server).put('/userinfo');
      expectOAuthError(res, 405, 'invalid_request', 'the userinfo endpoint accepts GET and POST only');
      expect(res.headers.allow).toBe('GET, POST');
    });
  });

  it('publishes the UserInfo endpoint, the claims parameter, claims_supported and identity assurance in discovery', async () => {
    const res = await request(t.server).get('/.well-known/openid-configuration');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      userinfo_endpoint: `${t.issuer}/userinfo`,
      claims_parameter_supported: true,
      verified_claims_supported: true,
      trust_frameworks_supported: ['de_aml'],
      claims_in_verified_claims_supported: ['given_name', 'family_name', 'birthdate'],
      evidence_supported: ['document'],
      documents_supported: ['idcard'],
    });
    expect((res.body as { claims_supported: string[] }).claims_supported).toEqual(expect.arrayContaining(['sub', 'name', 'given_name', 'email', 'email_verified', 'address', 'phone_number']));
  });
});

describe('verified_claims without the identityAssurance option', () => {
  let db: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { clients: [CLIENT], findAccountClaims } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('ignores verified_claims requests (the host is not asked for them) and publishes no identity assurance metadata', async () => {
    lookups.length = 0;
    const verified = { verification: { trust_framework: null }, claims: { given_name: null } };
    const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid', claims: claimsParameter({ id_token: { verified_claims: verified, given_name: null }, userinfo: { verified_claims: verified } }) } });
    expect(decodeJwt(tokens.id_token ?? '')).not.toHaveProperty('verified_claims');
    expect(decodeJwt(tokens.id_token ?? '').given_name).toBe('Alice');
    expect((await userinfo(t, tokens.access_token)).body).toEqual({ sub: 'user-1' });
    expect(lookups.map((l) => l.request)).toEqual([{ target: 'id_token', claims: ['given_name'] }]);
    const metadata = (await request(t.server).get('/.well-known/openid-configuration')).body as Record<string, unknown>;
    expect(metadata.claims_parameter_supported).toBe(true);
    for (const name of ['verified_claims_supported', 'trust_frameworks_supported', 'claims_in_verified_claims_supported', 'evidence_supported', 'documents_supported']) {
      expect(metadata).not.toHaveProperty(name);
    }
  });
});
