import * as oauth from 'oauth4webapi';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DynamicModule, Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { importJWK, type JWK } from 'jose';
import request, { type Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoFapiClient } from '../../src/demo/demo-fapi-client.js';
import { sha256 } from '../../src/par/common/secrets.js';
import { type ClientMetadata, InteractionService, ParModule, type ParModuleOptions } from '../../src/par/index.js';
import { BASIC_CLIENT, type JwtClientFixture, makeJwtClient } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createDemoApp, type DemoApp } from '../support/demo-app.js';
import { type DpopKey, dpopProof, makeDpopKey } from '../support/dpop.js';
import { browserRequest, queryOf, startInteraction } from '../support/flow.js';
import { type AssertionOptions, authorizationParams, basicAuth, clientAssertion, form, JWT_BEARER, pkcePair } from '../support/oauth.js';

/*
 * The fapi2 profile (FAPI 2.0 Security Profile Final, §5.3.2 and §5.4), through the behaviours the
 * OpenID conformance suite's fapi2-security-profile-final plan checks at the PAR and authorization
 * endpoints (../shared/spec/REQUIREMENTS.md §6.3) that need no DPoP proof: PAR only, private_key_jwt
 * only with the issuer as a string for audience, PKCE S256, redirect URIs, request_uri lifetime and
 * reuse, iss and 303 in the authorization response, long state and nonce.
 */

const REQUEST_URI = /^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/;
const JWT_REDIRECT = 'https://jwt.example.org/cb';
const HTTP_REDIRECT_PROBLEM = 'redirect_uri must not use http, except on a loopback IP address (127.0.0.1 or [::1]; FAPI 2.0 §5.3.2.2-8)';

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** A whole-string match, for exact error_description values. */
function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/** RFC 9126 §2.2: 201, no-store, exactly {request_uri, expires_in}, and FAPI 2.0 §5.3.2.2-12: expires_in < 600. */
function expectPushed(res: Response, expiresIn = 60): string {
  expect({ status: res.status, body: res.body as unknown }).toEqual({ status: 201, body: { request_uri: expect.stringMatching(REQUEST_URI), expires_in: expiresIn } });
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect((res.body as { expires_in: number }).expires_in).toBeLessThan(600);
  return (res.body as { request_uri: string }).request_uri;
}

/** 401 invalid_client with exactly `description`, and a Basic challenge only when HTTP Basic was tried. */
function expectInvalidClient(res: Response, description: string | RegExp, basicChallenge = false): void {
  expectOAuthError(res, 401, 'invalid_client', typeof description === 'string' ? exactly(description) : description);
  if (basicChallenge) expect(res.headers['www-authenticate']).toMatch(/^Basic realm="[^"]*"/);
  else expect(res.headers['www-authenticate']).toBeUndefined();
}

/** 400 with `error` and exactly `description`, answered directly (never a redirect). */
function expectBadRequest(res: Response, error: string, description: string): void {
  expectOAuthError(res, 400, error, exactly(description));
  expect(res.headers.location).toBeUndefined();
}

interface PushOptions {
  /** Overrides of the authorization request (undefined removes a parameter). */
  params?: Record<string, string | undefined>;
  /** The assertion's audience. @default the issuer */
  audience?: string | string[];
  assertion?: AssertionOptions;
}

/** POST /par as `client` with private_key_jwt. */
async function push(t: TestApp | DemoApp, client: JwtClientFixture, options: PushOptions = {}): Promise<Response> {
  const assertion = await clientAssertion(client, options.audience ?? t.issuer, options.assertion);
  const params = authorizationParams(client.metadata.redirect_uris[0] as string, options.params);
  return request(t.server)
    .post('/par')
    .type('form')
    .send(form({ ...params, client_assertion_type: JWT_BEARER, client_assertion: assertion }));
}

/** POST /par with the given credentials in the body (and optionally an Authorization header). */
function pushWith(t: TestApp, credentials: Record<string, string>, authorization?: string, redirectUri = JWT_REDIRECT): request.Test {
  const req = request(t.server).post('/par').type('form');
  if (authorization !== undefined) req.set('Authorization', authorization);
  return req.send(form({ ...authorizationParams(redirectUri), ...credentials }));
}

/** Finishes the interaction of `requestUri` as the host would; the authorization response URL. */
async function finish(t: TestApp, clientId: string, requestUri: string): Promise<string> {
  const { uid, cookie } = await startInteraction(t, clientId, requestUri);
  return t.app.get(InteractionService).finish(uid, browserRequest(cookie), { subject: 'user-1' });
}

/** A stand-in for TypeORM's DataSource, for boots that are meant to fail before any database work. */
@Global()
@Module({ providers: [{ provide: getDataSourceToken(), useValue: {} }], exports: [getDataSourceToken()] })
class FakeDataSourceModule {}

describe('the fapi2 profile at POST /par and GET /authorize (FAPI 2.0 SP Final §5.3.2)', () => {
  let db: TestDatabase;
  let t: TestApp;
  let jwt: JwtClientFixture;
  let eddsa: JwtClientFixture;
  let rs: JwtClientFixture;

  beforeAll(async () => {
    [jwt, eddsa, rs] = await Promise.all([makeJwtClient(), makeJwtClient('eddsa-client', 'EdDSA'), makeJwtClient('rs-client', 'RS256')]);
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { profile: 'fapi2', clients: [jwt.metadata, eddsa.metadata, rs.metadata] } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('publishes the profile in discovery: PAR required, private_key_jwt only, S256, iss (§5.3.2.1-1, §5.3.2.2-2)', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const res = await request(t.server).get(path);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        pushed_authorization_request_endpoint: `${t.issuer}/par`,
        require_pushed_authorization_requests: true,
        authorization_response_iss_parameter_supported: true,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: ['ES256', 'PS256', 'EdDSA'],
        introspection_endpoint_auth_methods_supported: ['private_key_jwt'],
        revocation_endpoint_auth_methods_supported: ['private_key_jwt'],
      });
    }
  });

  describe('happy flow', () => {
    it('pushes with private_key_jwt (ES256, EdDSA), expires_in < 600 (§5.3.2.2-12), then a 303 to the interaction and a code with state and iss (§5.3.2.2-7)', async () => {
      for (const client of [jwt, eddsa]) {
        const requestUri = expectPushed(await push(t, client, { params: { state: 'happy-state' } }));
        const location = await finish(t, client.metadata.client_id, requestUri);
        expect(location.startsWith(`${JWT_REDIRECT}?`)).toBe(true);
        const query = queryOf(location);
        expect(Object.keys(query).sort()).toEqual(['code', 'iss', 'state']);
        expect(query).toMatchObject({ code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), state: 'happy-state', iss: t.issuer });
      }
    });

    it('reads only client_id and request_uri at /authorize (par-without-duplicate-parameters)', async () => {
      const requestUri = expectPushed(await push(t, jwt));
      const res = await request(t.server).get('/authorize').query({ client_id: jwt.metadata.client_id, request_uri: requestUri });
      expect(res.status).toBe(303);
    });
  });

  describe('PAR only (§5.3.2.2-3)', () => {
    it('refuses an authorization request that does not use PAR with invalid_request, answered directly', async () => {
      const res = await request(t.server).get('/authorize').query({ ...authorizationParams(JWT_REDIRECT), client_id: jwt.metadata.client_id });
      expectBadRequest(res, 'invalid_request', 'pushed authorization requests are required: use request_uri from the pushed authorization request endpoint');
    });
  });

  describe('client authentication at PAR: private_key_jwt only (§5.3.2.1-6, §5.3.2.2-4)', () => {
    it('refuses a push without client authentication', async () => {
      expectInvalidClient(await pushWith(t, {}), 'client authentication is required');
    });

    it('refuses a push with client_id only (auth method none) or with a client_secret, as invalid_client', async () => {
      expectInvalidClient(await pushWith(t, { client_id: jwt.metadata.client_id }), 'client must authenticate with private_key_jwt');
      expectInvalidClient(await pushWith(t, { client_id: jwt.metadata.client_id, client_secret: 'a-client-secret-of-at-least-32-characters' }), 'client must authenticate with private_key_jwt');
      expectInvalidClient(await pushWith(t, {}, basicAuth(jwt.metadata.client_id, 'a-client-secret-of-at-least-32-characters')), 'client must authenticate with private_key_jwt', true);
    });

    it.each([
      ['the PAR endpoint URL', (issuer: string) => `${issuer}/par`],
      ['the token endpoint URL', (issuer: string) => `${issuer}/token`],
      ['an array holding only the issuer', (issuer: string) => [issuer]],
      ['an array holding the issuer and another audience', (issuer: string) => [issuer, 'https://other.example.org']],
    ])('refuses an assertion whose aud is %s: the issuer as a string only (§5.3.2.1-8)', async (_, audience) => {
      expectInvalidClient(await push(t, jwt, { audience: audience(t.issuer) }), 'invalid client assertion: aud is not accepted');
    });

    it('refuses an RS256-signed assertion (§5.4)', async () => {
      expectInvalidClient(await push(t, rs), 'invalid client assertion: alg must be one of ES256, PS256, EdDSA');
    });

    it('refuses an assertion whose exp is 5 minutes in the past', async () => {
      expectInvalidClient(await push(t, jwt, { assertion: { claims: { exp: nowSeconds() - 300 } } }), 'invalid client assertion: expired');
    });

    it('refuses an assertion without sub', async () => {
      expectInvalidClient(await push(t, jwt, { assertion: { omit: ['sub'] } }), 'invalid client assertion: missing sub');
    });

    it('accepts iat and nbf 8 seconds in the future (§5.3.2.1-13: up to 10 s must be accepted)', async () => {
      const ahead = nowSeconds() + 8;
      expectPushed(await push(t, jwt, { assertion: { claims: { iat: ahead, nbf: ahead, exp: ahead + 60 } } }));
    });

    it('refuses iat and nbf more than 60 seconds in the future (§5.3.2.1-13)', async () => {
      const ahead = nowSeconds() + 61;
      const res = await push(t, jwt, { assertion: { claims: { iat: ahead, nbf: ahead, exp: ahead + 60 } } });
      expectInvalidClient(res, 'invalid client assertion: nbf claim check failed (check_failed)');
      expectInvalidClient(await push(t, jwt, { assertion: { claims: { iat: ahead } } }), 'invalid client assertion: iat is in the future');
    });
  });

  describe('the pushed request', () => {
    it('requires redirect_uri (§5.3.2.2-6)', async () => {
      expectBadRequest(await push(t, jwt, { params: { redirect_uri: undefined } }), 'invalid_request', 'missing required parameter redirect_uri');
    });

    it('refuses an unregistered redirect_uri', async () => {
      for (const redirectUri of ['https://evil.example.org/cb', 'http://127.0.0.1:4999/cb']) {
        expectBadRequest(await push(t, jwt, { params: { redirect_uri: redirectUri } }), 'invalid_request', 'redirect_uri is not registered for this client');
      }
    });

    it.each(['code id_token', 'token', 'code token', 'id_token'])('refuses response_type=%s (§5.3.2.2-1)', async (responseType) => {
      expectBadRequest(await push(t, jwt, { params: { response_type: responseType } }), 'unsupported_response_type', 'only response_type=code is supported');
    });

    it('requires PKCE (§5.3.2.2-5)', async () => {
      const res = await push(t, jwt, { params: { code_challenge: undefined, code_challenge_method: undefined } });
      expectBadRequest(res, 'invalid_request', 'code_challenge is required (PKCE)');
    });

    it('refuses plain PKCE: S256 only (§5.3.2.2-5)', async () => {
      const res = await push(t, jwt, { params: { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' } });
      expectBadRequest(res, 'invalid_request', 'code_challenge_method must be S256');
    });

    it('accepts a long state (1024 characters) and a 64-character nonce (§5.3.2.2-13), and returns the state', async () => {
      const state = 's'.repeat(1024);
      for (const nonce of ['n'.repeat(64), 'n'.repeat(512)]) {
        const requestUri = expectPushed(await push(t, jwt, { params: { state, nonce } }));
        const query = queryOf(await finish(t, jwt.metadata.client_id, requestUri));
        expect(query).toMatchObject({ state, iss: t.issuer });
        const rows = await db.query<{ nonce: string }>("SELECT grant_data->>'nonce' AS nonce FROM par_authorization_code WHERE code_hash = $1", [sha256(query.code as string)]);
        expect(rows[0]?.nonce).toBe(nonce);
      }
    });

    it('succeeds without state and without nonce, and echoes neither', async () => {
      const requestUri = expectPushed(await push(t, jwt, { params: { state: undefined, nonce: undefined } }));
      expect(Object.keys(queryOf(await finish(t, jwt.metadata.client_id, requestUri))).sort()).toEqual(['code', 'iss']);
    });
  });

  describe('request_uri reuse (RFC 9126 §7.3, conformance par-attempt-reuse-request_uri)', () => {
    it('works again before the authentication completes, and is invalid_request_uri once a code was issued', async () => {
      const requestUri = expectPushed(await push(t, jwt, { params: { state: 'reuse-state' } }));
      // First visit: the user does not log in.
      await startInteraction(t, jwt.metadata.client_id, requestUri);
      // Second visit: the user logs in; the code comes back with the state.
      const query = queryOf(await finish(t, jwt.metadata.client_id, requestUri));
      expect(query).toMatchObject({ code: expect.any(String), state: 'reuse-state', iss: t.issuer });
      const again = await request(t.server).get('/authorize').query({ client_id: jwt.metadata.client_id, request_uri: requestUri });
      expectBadRequest(again, 'invalid_request_uri', 'request_uri is unknown, expired or already used');
    });
  });
});

describe('the fapi2 profile at POST /token (FAPI 2.0 SP Final §5.3.2.1)', () => {
  let db: TestDatabase;
  let t: TestApp;
  let jwt: JwtClientFixture;
  let dpopKey: DpopKey;

  beforeAll(async () => {
    [jwt, dpopKey] = await Promise.all([makeJwtClient('refresh-client'), makeDpopKey()]);
    jwt.metadata = { ...jwt.metadata, grant_types: ['authorization_code', 'refresh_token'], scope: 'openid offline_access' };
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { profile: 'fapi2', clients: [jwt.metadata] } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  /** A code for `scope`, and its PKCE verifier. */
  async function code(scope = 'openid offline_access'): Promise<{ code: string; verifier: string }> {
    const { verifier, challenge } = pkcePair();
    const requestUri = expectPushed(await push(t, jwt, { params: { scope, code_challenge: challenge } }));
    return { code: queryOf(await finish(t, jwt.metadata.client_id, requestUri)).code as string, verifier };
  }

  /** POST /token with private_key_jwt, and a DPoP proof unless `dpop` is false. */
  async function token(params: Record<string, string>, dpop = true): Promise<Response> {
    const req = request(t.server).post('/token').type('form');
    if (dpop) req.set('DPoP', await dpopProof(dpopKey, 'POST', `${t.issuer}/token`));
    return req.send(form({ ...params, client_assertion_type: JWT_BEARER, client_assertion: await clientAssertion(jwt, t.issuer) }));
  }

  const redeem = (issued: { code: string; verifier: string }, dpop = true): Promise<Response> =>
    token({ grant_type: 'authorization_code', code: issued.code, redirect_uri: JWT_REDIRECT, code_verifier: issued.verifier }, dpop);

  it('refuses a token request without a DPoP proof: sender-constrained tokens only (§5.3.2.1-4, ensure-holder-of-key-required)', async () => {
    const issued = await code();
    expectOAuthError(await redeem(issued, false), 400, 'invalid_dpop_proof', exactly('a DPoP proof is required'));
    // The code was not spent by the refused request: with a proof, DPoP-bound tokens.
    const res = await redeem(issued);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'DPoP', access_token: expect.any(String), refresh_token: expect.any(String) });
  });

  it('refuses a code used twice with invalid_grant (§5.3.2.2-9)', async () => {
    const issued = await code();
    expect((await redeem(issued)).status).toBe(200);
    expectOAuthError(await redeem(issued), 400, 'invalid_grant');
  });

  it('does not rotate refresh tokens (§5.3.2.1-9): the same token works again and comes back unchanged', async () => {
    const first = await redeem(await code());
    const refreshToken = (first.body as { refresh_token: string }).refresh_token;
    for (let i = 0; i < 2; i += 1) {
      const res = await token({ grant_type: 'refresh_token', refresh_token: refreshToken });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ token_type: 'DPoP', refresh_token: refreshToken });
    }
  });
});

describe('the fapi2 profile with a custom ClientRegistry and allowUnregisteredRedirectUris', () => {
  let db: TestDatabase;
  let t: TestApp;
  let jwt: JwtClientFixture;
  let httpRegistered: JwtClientFixture;
  const POST = { ...BASIC_CLIENT, client_id: 'post-client', token_endpoint_auth_method: 'client_secret_post' } as const satisfies ClientMetadata;
  const PUBLIC = { client_id: 'public-client', token_endpoint_auth_method: 'none', redirect_uris: [JWT_REDIRECT] } as const satisfies ClientMetadata;

  beforeAll(async () => {
    [jwt, httpRegistered] = await Promise.all([makeJwtClient(), makeJwtClient('http-client')]);
    httpRegistered.metadata = { ...httpRegistered.metadata, redirect_uris: ['http://client.example.org/cb'] };
    const registered = new Map<string, ClientMetadata>([jwt.metadata, httpRegistered.metadata, BASIC_CLIENT, POST, PUBLIC].map((m) => [m.client_id, m]));
    db = await createTestDatabase();
    t = await createTestApp({
      database: db,
      par: { profile: 'fapi2', allowUnregisteredRedirectUris: true, clients: { findClient: (id: string) => registered.get(id) } },
    });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('refuses a registry client registered with another method than private_key_jwt with 401 invalid_client, at PAR and at /token (§5.3.2.1-6)', async () => {
    const refusal = (method: string): string => `client is registered with ${method}, which the fapi2 profile does not allow (private_key_jwt only)`;
    expectInvalidClient(await pushWith(t, {}, basicAuth(BASIC_CLIENT.client_id, BASIC_CLIENT.client_secret), BASIC_CLIENT.redirect_uris[0]), refusal('client_secret_basic'), true);
    expectInvalidClient(await pushWith(t, { client_id: POST.client_id, client_secret: POST.client_secret }, undefined, POST.redirect_uris[0]), refusal('client_secret_post'));
    expectInvalidClient(await pushWith(t, { client_id: PUBLIC.client_id }), refusal('none'));
    const token = await request(t.server)
      .post('/token')
      .set('Authorization', basicAuth(BASIC_CLIENT.client_id, BASIC_CLIENT.client_secret))
      .type('form')
      .send(form({ grant_type: 'authorization_code', code: 'x'.repeat(43), redirect_uri: BASIC_CLIENT.redirect_uris[0], code_verifier: 'v'.repeat(43) }));
    expectInvalidClient(token, refusal('client_secret_basic'), true);
  });

  it('refuses a registered http redirect_uri of a registry client with 400 invalid_request (§5.3.2.2-8)', async () => {
    expectBadRequest(await push(t, httpRegistered), 'invalid_request', HTTP_REDIRECT_PROBLEM);
  });

  it.each(['http://client.example.org/cb', 'http://localhost:4999/cb', 'http://127.0.0.2:4999/cb'])(
    'refuses the unregistered http redirect_uri %s with 400 invalid_request (§5.3.2.2-8, RFC 8252 §8.3)',
    async (redirectUri) => {
      expectBadRequest(await push(t, jwt, { params: { redirect_uri: redirectUri } }), 'invalid_request', HTTP_REDIRECT_PROBLEM);
    },
  );

  it('accepts unregistered https and loopback-IP http redirect_uris (RFC 9126 §2.4, RFC 8252 §7.3)', async () => {
    for (const redirectUri of ['https://other.example.org/cb', 'http://127.0.0.1:5000/cb', 'http://[::1]:5000/cb']) {
      const requestUri = expectPushed(await push(t, jwt, { params: { redirect_uri: redirectUri } }));
      expect((await finish(t, jwt.metadata.client_id, requestUri)).startsWith(`${redirectUri}?`)).toBe(true);
    }
  });
});

describe('the fapi2 profile at boot', () => {
  const compile = (par: DynamicModule) => Test.createTestingModule({ imports: [FakeDataSourceModule, par] }).compile();
  let jwt: JwtClientFixture;
  let valid: ParModuleOptions;
  beforeAll(async () => {
    jwt = await makeJwtClient();
    valid = { issuer: 'https://as.example.com', profile: 'fapi2', clients: [jwt.metadata] };
  });

  it('refuses to start with a client that does not use private_key_jwt, naming it (forRoot and forRootAsync)', async () => {
    const clients = [jwt.metadata, BASIC_CLIENT];
    const error: unknown = await compile(ParModule.forRoot({ ...valid, clients })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ParConfigurationError', option: 'clients[1].token_endpoint_auth_method' });
    await expect(compile(ParModule.forRootAsync({ useFactory: async () => ({ ...valid, clients }) }))).rejects.toThrow(
      /^ParModule option "clients\[1\]\.token_endpoint_auth_method" must be private_key_jwt, not client_secret_basic/,
    );
  });

  it('refuses to start with options set against the profile, naming them', async () => {
    const cases: Array<[Partial<ParModuleOptions>, string]> = [
      [{ requirePushedAuthorizationRequests: false }, 'requirePushedAuthorizationRequests'],
      [{ clientAssertionAudience: 'lenient' }, 'clientAssertionAudience'],
      [{ requireDpop: false }, 'requireDpop'],
      [{ codeTtl: 120 }, 'codeTtl'],
      [{ rotateRefreshTokens: 'always' }, 'rotateRefreshTokens'],
      [{ clockSkew: 5 }, 'clockSkew'],
      [{ clients: [{ ...jwt.metadata, redirect_uris: ['http://localhost:3000/cb'] }] }, 'clients[0].redirect_uris[0]'],
    ];
    for (const [overrides, option] of cases) {
      const error: unknown = await compile(ParModule.forRoot({ ...valid, ...overrides })).catch((e: unknown) => e);
      expect(error, option).toMatchObject({ name: 'ParConfigurationError', option });
    }
  });
});

describe('the demo server with PROFILE=fapi2: fapi-client and the interaction pages', () => {
  let db: TestDatabase;
  let demo: DemoApp;
  let dir: string;
  let client: JwtClientFixture;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fapi2-demo-'));
    const keyFile = join(dir, 'fapi-client-key.json');
    const metadata = demoFapiClient(keyFile);
    // What the bench driver does with KEY_FILE: sign assertions with the private JWK of the file.
    const jwk = JSON.parse(readFileSync(keyFile, 'utf8')) as JWK;
    client = { metadata, privateKey: (await importJWK(jwk, jwk.alg)) as JwtClientFixture['privateKey'], kid: jwk.kid as string, alg: 'ES256' };
    db = await createTestDatabase();
    demo = await createDemoApp({ database: db, clients: [metadata], par: { profile: 'fapi2' }, benchAutoApprove: true });
  });
  afterAll(async () => {
    await demo?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers with a 303 (§5.3.2.2-11) to http://127.0.0.1:4999/cb with code, state and iss, for a push signed with the key file', async () => {
    const requestUri = expectPushed(await push(demo, client, { params: { scope: 'openid api:read', state: 'demo-state' } }));
    const authorize = await request(demo.server).get('/authorize').query({ client_id: 'fapi-client', request_uri: requestUri });
    expect(authorize.status).toBe(303);
    expect(authorize.headers['cache-control']).toBe('no-store');
    const location = authorize.headers.location as string;
    expect(location.startsWith('http://127.0.0.1:4999/cb?')).toBe(true);
    const query = queryOf(location);
    expect(Object.keys(query).sort()).toEqual(['code', 'iss', 'state']);
    expect(query).toMatchObject({ code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), state: 'demo-state', iss: demo.issuer });
  });

  it('runs a whole FAPI 2.0 flow with oauth4webapi: private_key_jwt + PAR + PKCE + DPoP, to the protected API', async () => {
    const issuer = new URL(demo.issuer);
    const insecure = { [oauth.allowInsecureRequests]: true };
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
    const oauthClient: oauth.Client = { client_id: 'fapi-client' };
    const clientAuth = oauth.PrivateKeyJwt({ key: client.privateKey, kid: client.kid });
    const DPoP = oauth.DPoP(oauthClient, await oauth.generateKeyPair('ES256'));
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const pushed = await oauth.processPushedAuthorizationResponse(
      as,
      oauthClient,
      await oauth.pushedAuthorizationRequest(
        as,
        oauthClient,
        clientAuth,
        { response_type: 'code', redirect_uri: 'http://127.0.0.1:4999/cb', scope: 'openid api:read', state, nonce, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' },
        { ...insecure, DPoP },
      ),
    );
    const authorize = await request(demo.server).get('/authorize').query({ client_id: 'fapi-client', request_uri: pushed.request_uri });
    const params = oauth.validateAuthResponse(as, oauthClient, new URL(authorize.headers.location as string), state);
    const response = await oauth.authorizationCodeGrantRequest(as, oauthClient, clientAuth, params, 'http://127.0.0.1:4999/cb', verifier, { ...insecure, DPoP });
    const tokens = await oauth.processAuthorizationCodeResponse(as, oauthClient, response, { expectedNonce: nonce, requireIdToken: true });
    expect(tokens.token_type).toBe('dpop');
    const api = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL('/api/me', issuer), undefined, undefined, { ...insecure, DPoP });
    expect(api.status).toBe(200);
    expect(await api.json()).toMatchObject({ sub: 'user-alice', client_id: 'fapi-client' });
  });
});
