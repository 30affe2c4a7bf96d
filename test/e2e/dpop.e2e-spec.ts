import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessToken, type AccessTokenClaims, AccessTokenGuard, InteractionService, ParModule, RequireAccessToken } from '../../src/par/index.js';
import { BASIC_CLIENT, PUBLIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { type DpopKey, dpopProof, makeDpopKey } from '../support/dpop.js';
import { browserRequest, queryOf, startInteraction } from '../support/flow.js';
import { authorizationParams, basicAuth, form, pkcePair } from '../support/oauth.js';

const GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'];
const CLIENT = { ...BASIC_CLIENT, grant_types: GRANTS } as const;
const BOUND_CLIENT = { ...BASIC_CLIENT, client_id: 'dpop-bound', dpop_bound_access_tokens: true, grant_types: GRANTS } as const;
const SPA = { ...PUBLIC_CLIENT, scope: 'openid profile offline_access', grant_types: ['authorization_code', 'refresh_token'] } as const;

@Controller('api')
@UseGuards(AccessTokenGuard)
class ApiController {
  @Get('read')
  @RequireAccessToken({ scopes: ['openid'] })
  read(@AccessToken() token: AccessTokenClaims): unknown {
    return { sub: token.sub, jkt: token.cnf?.jkt };
  }
}

@Module({ controllers: [ApiController] })
class ApiModule {}

describe('DPoP (RFC 9449)', () => {
  let db: TestDatabase;
  let t: TestApp;
  let second: TestApp;
  let key: DpopKey;
  let otherKey: DpopKey;
  const url = (path: string): string => `${t.issuer}${path}`;

  type Client = { client_id: string; client_secret?: string; redirect_uris: readonly string[] };
  const auth = (req: request.Test, client: Client): request.Test => (client.client_secret ? req.set('Authorization', basicAuth(client.client_id, client.client_secret)) : req);
  const withId = (client: Client, params: Record<string, string>): Record<string, string> => (client.client_secret ? params : { ...params, client_id: client.client_id });

  /** Push (optionally with a DPoP proof / dpop_jkt), open and finish the interaction: the code and its verifier. */
  async function code(client: Client, options: { proofKey?: DpopKey; dpopJkt?: string; scope?: string } = {}): Promise<{ code: string; verifier: string }> {
    const { verifier, challenge } = pkcePair();
    let req = auth(request(t.server).post('/par'), client).type('form');
    if (options.proofKey) req = req.set('DPoP', await dpopProof(options.proofKey, 'POST', url('/par')));
    const params = authorizationParams(client.redirect_uris[0] as string, { code_challenge: challenge, scope: options.scope ?? 'openid', ...(options.dpopJkt && { dpop_jkt: options.dpopJkt }) });
    const pushed = await req.send(form(withId(client, params)));
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(201);
    const { uid, cookie } = await startInteraction(t, client.client_id, pushed.body.request_uri as string);
    const location = await t.app.get(InteractionService).finish(uid, browserRequest(cookie), { subject: 'user-1' });
    return { code: queryOf(location).code as string, verifier };
  }

  async function token(client: Client, params: Record<string, string>, proofKey?: DpopKey, proof?: string): Promise<request.Response> {
    let req = auth(request(t.server).post('/token'), client).type('form');
    if (proofKey || proof) req = req.set('DPoP', proof ?? (await dpopProof(proofKey as DpopKey, 'POST', url('/token'))));
    return req.send(form(withId(client, params)));
  }

  const redeem = (client: Client, issued: { code: string; verifier: string }, proofKey?: DpopKey): Promise<request.Response> =>
    token(client, { grant_type: 'authorization_code', code: issued.code, redirect_uri: client.redirect_uris[0] as string, code_verifier: issued.verifier }, proofKey);

  beforeAll(async () => {
    db = await createTestDatabase();
    key = await makeDpopKey();
    otherKey = await makeDpopKey();
    t = await createTestApp({
      database: db,
      par: { clients: [CLIENT, BOUND_CLIENT, SPA] },
      register: (options) => ParModule.forRoot({ ...options, isGlobal: true }),
      host: { imports: [ApiModule] },
    });
    second = await createTestApp({ database: db, par: { clients: [CLIENT, BOUND_CLIENT, SPA], issuer: t.issuer } });
  });
  afterAll(async () => {
    await second?.close();
    await t?.close();
    await db?.drop();
  });

  it('binds the code to the key of a DPoP proof sent with the push, and the tokens to it (§10.1, §5)', async () => {
    const res = await redeem(CLIENT, await code(CLIENT, { proofKey: key }), key);
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('DPoP');
    expect(decodeJwt(res.body.access_token as string).cnf).toEqual({ jkt: key.jkt });
  });

  it('binds the code with dpop_jkt in the push (§10)', async () => {
    const issued = await code(CLIENT, { dpopJkt: key.jkt });
    const res = await redeem(CLIENT, issued, key);
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('DPoP');
  });

  it('refuses a push whose dpop_jkt differs from its DPoP proof key (§10.1)', async () => {
    const { challenge } = pkcePair();
    const res = await request(t.server)
      .post('/par')
      .set('Authorization', basicAuth(CLIENT.client_id, CLIENT.client_secret))
      .set('DPoP', await dpopProof(key, 'POST', url('/par')))
      .type('form')
      .send(form(authorizationParams(CLIENT.redirect_uris[0], { code_challenge: challenge, dpop_jkt: otherKey.jkt })));
    expectOAuthError(res, 400, 'invalid_dpop_proof', 'dpop_jkt does not match the key of the DPoP proof');
  });

  it('refuses an invalid proof at the PAR endpoint', async () => {
    const res = await request(t.server)
      .post('/par')
      .set('Authorization', basicAuth(CLIENT.client_id, CLIENT.client_secret))
      .set('DPoP', await dpopProof(key, 'POST', url('/token')))
      .type('form')
      .send(form(authorizationParams(CLIENT.redirect_uris[0])));
    expectOAuthError(res, 400, 'invalid_dpop_proof', 'htu does not match');
  });

  it('binds a plain /authorize request with dpop_jkt (§10)', async () => {
    const { verifier, challenge } = pkcePair();
    const res = await request(t.server)
      .get('/authorize')
      .query({ ...authorizationParams(CLIENT.redirect_uris[0], { code_challenge: challenge, dpop_jkt: key.jkt, scope: 'openid' }), client_id: CLIENT.client_id });
    const uid = /\/interaction\/([A-Za-z0-9_-]{43})$/.exec(res.headers.location as string)?.[1] as string;
    const cookie = String(res.headers['set-cookie']).split(';')[0] as string;
    const location = await t.app.get(InteractionService).finish(uid, browserRequest(cookie), { subject: 'user-1' });
    expectOAuthError(await redeem(CLIENT, { code: queryOf(location).code as string, verifier }, otherKey), 400, 'invalid_grant', 'bound to another DPoP key');
  });

  it('refuses to redeem a bound code without a proof, or with another key', async () => {
    expectOAuthError(await redeem(CLIENT, await code(CLIENT, { proofKey: key })), 400, 'invalid_dpop_proof', 'a DPoP proof is required');
    expectOAuthError(await redeem(CLIENT, await code(CLIENT, { proofKey: key }), otherKey), 400, 'invalid_grant', 'bound to another DPoP key');
  });

  it('requires a proof from a client registered with dpop_bound_access_tokens (§5.2)', async () => {
    expectOAuthError(await redeem(BOUND_CLIENT, await code(BOUND_CLIENT)), 400, 'invalid_dpop_proof', 'a DPoP proof is required');
    expect((await redeem(BOUND_CLIENT, await code(BOUND_CLIENT), key)).body.token_type).toBe('DPoP');
  });

  it('issues DPoP-bound tokens to an unbound code when a proof is sent, Bearer otherwise', async () => {
    expect((await redeem(CLIENT, await code(CLIENT), key)).body.token_type).toBe('DPoP');
    expect((await redeem(CLIENT, await code(CLIENT))).body.token_type).toBe('Bearer');
  });

  it('refuses a replayed proof, also at another instance on the same database (§11.1)', async () => {
    const proof = await dpopProof(key, 'POST', url('/token'));
    expect((await token(CLIENT, { grant_type: 'client_credentials' }, undefined, proof)).status).toBe(200);
    const replay = await request(second.server).post('/token').set('Authorization', basicAuth(CLIENT.client_id, CLIENT.client_secret)).set('DPoP', proof).type('form').send(form({ grant_type: 'client_credentials' }));
    expectOAuthError(replay, 400, 'invalid_dpop_proof', 'already been used');
  });

  it('accepts proofs with iat 10 s in the past or the future (FAPI 2.0 conformance)', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const iat of [now - 10, now + 10]) {
      const res = await token(CLIENT, { grant_type: 'client_credentials' }, undefined, await dpopProof(key, 'POST', url('/token'), { iat }));
      expect(res.status).toBe(200);
    }
  });

  it("binds a public client's refresh token to its DPoP key (§5)", async () => {
    const tokens = await redeem(SPA, await code(SPA, { proofKey: key, scope: 'openid offline_access' }), key);
    expect(tokens.body.refresh_token).toBeDefined();
    const refreshParams = { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token as string };
    expectOAuthError(await token(SPA, refreshParams), 400, 'invalid_dpop_proof', 'a DPoP proof is required');
    expectOAuthError(await token(SPA, refreshParams, otherKey), 400, 'invalid_grant', 'bound to another DPoP key');
    const refreshed = await token(SPA, refreshParams, key);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.token_type).toBe('DPoP');
  });

  describe('at a resource server (§7)', () => {
    let bound: string;
    let bearer: string;
    beforeAll(async () => {
      bound = (await redeem(CLIENT, await code(CLIENT, { proofKey: key }), key)).body.access_token as string;
      bearer = (await redeem(CLIENT, await code(CLIENT))).body.access_token as string;
    });
    const call = async (authorization: string, proof?: string) => {
      let req = request(t.server).get('/api/read').set('Authorization', authorization);
      if (proof) req = req.set('DPoP', proof);
      return req;
    };

    it('accepts a DPoP-bound token with the DPoP scheme and a proof with ath', async () => {
      const res = await call(`DPoP ${bound}`, await dpopProof(key, 'GET', url('/api/read'), { accessToken: bound }));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ sub: 'user-1', jkt: key.jkt });
    });

    it('refuses a DPoP-bound token presented as Bearer, with a DPoP challenge', async () => {
      const res = await call(`Bearer ${bound}`);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^DPoP algs="ES256 PS256 EdDSA", error="invalid_token"/);
    });

    it('refuses a missing proof, a proof of another key, a wrong ath or htu', async () => {
      const cases: Array<[string | undefined, string]> = [
        [undefined, 'a DPoP proof is required'],
        [await dpopProof(otherKey, 'GET', url('/api/read'), { accessToken: bound }), 'not made with the key the access token is bound to'],
        [await dpopProof(key, 'GET', url('/api/read'), { accessToken: 'something else' }), 'ath does not match'],
        [await dpopProof(key, 'GET', url('/api/other'), { accessToken: bound }), 'htu does not match'],
      ];
      for (const [proof, description] of cases) {
        const res = await call(`DPoP ${bound}`, proof);
        expect({ status: res.status, body: res.body as unknown }).toEqual({ status: 401, body: { error: 'invalid_dpop_proof', error_description: expect.stringContaining(description) } });
        expect(res.headers['www-authenticate']).toMatch(/^DPoP algs="ES256 PS256 EdDSA", error="invalid_dpop_proof"/);
      }
    });

    it('refuses an unbound token with the DPoP scheme, and accepts it as Bearer', async () => {
      expect((await call(`DPoP ${bearer}`, await dpopProof(key, 'GET', url('/api/read'), { accessToken: bearer }))).status).toBe(401);
      expect((await call(`Bearer ${bearer}`)).status).toBe(200);
    });

    it('says token_type DPoP at introspection, with cnf', async () => {
      const res = await request(t.server).post('/introspect').set('Authorization', basicAuth(CLIENT.client_id, CLIENT.client_secret)).type('form').send(form({ token: bound }));
      expect(res.body).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } });
    });

    it('serves UserInfo to a DPoP-bound token with a proof', async () => {
      const res = await request(t.server).get('/userinfo').set('Authorization', `DPoP ${bound}`).set('DPoP', await dpopProof(key, 'GET', url('/userinfo'), { accessToken: bound }));
      expect(res.status).toBe(200);
      expect(res.body.sub).toBe('user-1');
    });
  });

  it('publishes dpop_signing_alg_values_supported', async () => {
    expect((await request(t.server).get('/.well-known/oauth-authorization-server')).body.dpop_signing_alg_values_supported).toEqual(['ES256', 'PS256', 'EdDSA']);
  });

  it('works end to end with oauth4webapi as the DPoP client', async () => {
    const issuer = new URL(t.issuer);
    const options = { [oauth.allowInsecureRequests]: true };
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }));
    const client: oauth.Client = { client_id: CLIENT.client_id };
    const clientAuth = oauth.ClientSecretBasic(CLIENT.client_secret);
    const DPoP = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const pushed = await oauth.processPushedAuthorizationResponse(
      as,
      client,
      await oauth.pushedAuthorizationRequest(as, client, clientAuth, { response_type: 'code', redirect_uri: CLIENT.redirect_uris[0], scope: 'openid', state, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }, { ...options, DPoP }),
    );
    const { uid, cookie } = await startInteraction(t, CLIENT.client_id, pushed.request_uri);
    const location = await t.app.get(InteractionService).finish(uid, browserRequest(cookie), { subject: 'user-1' });
    const params = oauth.validateAuthResponse(as, client, new URL(location), state);
    const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, CLIENT.redirect_uris[0], verifier, { ...options, DPoP });
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    expect(tokens.token_type).toBe('dpop');
    const api = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL('/api/read', issuer), undefined, undefined, { ...options, DPoP });
    expect(api.status).toBe(200);
  });
});
