import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import * as oauth from 'oauth4webapi';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokenGuard, InteractionService, ParModule, RequireAccessToken } from '../../src/par/index.js';
import { BASIC_CLIENT } from '../fixtures/clients.js';
import { createTestAppInstances, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { type DpopKey, dpopProof, makeDpopKey } from '../support/dpop.js';
import { browserRequest, startInteraction } from '../support/flow.js';
import { authorizationParams, basicAuth, form } from '../support/oauth.js';
import { manualClock } from '../support/tokens.js';

const CLIENT = { ...BASIC_CLIENT, grant_types: ['authorization_code', 'client_credentials'] } as const;

@Controller('api')
@UseGuards(AccessTokenGuard)
class ApiController {
  @Get('read')
  @RequireAccessToken()
  read(): unknown {
    return { ok: true };
  }
}

@Module({ controllers: [ApiController] })
class ApiModule {}

describe('DPoP server nonces (RFC 9449 §8, §9)', () => {
  let db: TestDatabase;
  let t: TestApp;
  let other: TestApp;
  let key: DpopKey;
  const clock = manualClock();

  const tokenRequest = async (app: TestApp, proof: string): Promise<request.Response> =>
    request(app.server).post('/token').set('Authorization', basicAuth(CLIENT.client_id, CLIENT.client_secret)).set('DPoP', proof).type('form').send(form({ grant_type: 'client_credentials' }));
  const proofAt = (app: TestApp, path: string, options: { nonce?: string; accessToken?: string; htm?: string } = {}): Promise<string> =>
    dpopProof(key, options.htm ?? 'POST', `${app.issuer}${path}`, { iat: Math.floor(clock.now() / 1000), ...options });

  beforeAll(async () => {
    db = await createTestDatabase();
    key = await makeDpopKey();
    [t, other] = (await createTestAppInstances(2, {
      database: db,
      par: { clients: [CLIENT], dpopNonces: true, clock },
      register: (options) => ParModule.forRoot({ ...options, isGlobal: true }),
      host: { imports: [ApiModule] },
    })) as [TestApp, TestApp];
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
    await db?.drop();
  });

  it('answers a proof without a nonce with 400 use_dpop_nonce and a DPoP-Nonce header, then accepts the nonce', async () => {
    const first = await tokenRequest(t, await proofAt(t, '/token'));
    expectOAuthError(first, 400, 'use_dpop_nonce', 'server-provided nonce');
    const nonce = first.headers['dpop-nonce'] as string;
    expect(nonce).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]{43}$/);
    const second = await tokenRequest(t, await proofAt(t, '/token', { nonce }));
    expect(second.status).toBe(200);
    expect(second.body.token_type).toBe('DPoP');
  });

  it("accepts one instance's nonce at another instance (they share the secret)", async () => {
    const nonce = (await tokenRequest(t, await proofAt(t, '/token'))).headers['dpop-nonce'] as string;
    expect((await tokenRequest(other, await proofAt(other, '/token', { nonce }))).status).toBe(200);
  });

  it('refuses a nonce that is too old or forged', async () => {
    const nonce = (await tokenRequest(t, await proofAt(t, '/token'))).headers['dpop-nonce'] as string;
    expectOAuthError(await tokenRequest(t, await proofAt(t, '/token', { nonce: `${nonce.split('.')[0]}.${'A'.repeat(43)}` })), 400, 'use_dpop_nonce');
    clock.advance(121);
    const stale = await tokenRequest(t, await proofAt(t, '/token', { nonce }));
    expectOAuthError(stale, 400, 'use_dpop_nonce');
    expect(stale.headers['dpop-nonce']).not.toBe(nonce);
  });

  it('asks for a nonce at the PAR endpoint too', async () => {
    const res = await request(t.server)
      .post('/par')
      .set('Authorization', basicAuth(CLIENT.client_id, CLIENT.client_secret))
      .set('DPoP', await proofAt(t, '/par'))
      .type('form')
      .send(form(authorizationParams(CLIENT.redirect_uris[0])));
    expectOAuthError(res, 400, 'use_dpop_nonce');
    expect(res.headers['dpop-nonce']).toBeDefined();
  });

  it('asks for a nonce at a resource server with 401 and the DPoP challenge (§9)', async () => {
    const nonce = (await tokenRequest(t, await proofAt(t, '/token'))).headers['dpop-nonce'] as string;
    const token = (await tokenRequest(t, await proofAt(t, '/token', { nonce }))).body.access_token as string;
    const res = await request(t.server).get('/api/read').set('Authorization', `DPoP ${token}`).set('DPoP', await proofAt(t, '/api/read', { htm: 'GET', accessToken: token }));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^DPoP algs="ES256 PS256 EdDSA", error="use_dpop_nonce"/);
    const retry = await request(t.server)
      .get('/api/read')
      .set('Authorization', `DPoP ${token}`)
      .set('DPoP', await proofAt(t, '/api/read', { htm: 'GET', accessToken: token, nonce: res.headers['dpop-nonce'] as string }));
    expect(retry.status).toBe(200);
  });

  it('works with oauth4webapi, which retries with the nonce', async () => {
    const issuer = new URL(t.issuer);
    const insecure = { [oauth.allowInsecureRequests]: true };
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
    const client: oauth.Client = { client_id: CLIENT.client_id, [oauth.clockSkew]: Math.round((clock.now() - Date.now()) / 1000) };
    const auth = oauth.ClientSecretBasic(CLIENT.client_secret);
    const DPoP = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const verifier = oauth.generateRandomCodeVerifier();
    const params = { response_type: 'code', redirect_uri: CLIENT.redirect_uris[0], scope: 'openid', code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' };
    const retrying = async <T>(call: () => Promise<T>): Promise<T> => {
      try {
        return await call();
      } catch (error) {
        if (!oauth.isDPoPNonceError(error)) throw error;
        return call();
      }
    };
    const pushed = await retrying(async () => oauth.processPushedAuthorizationResponse(as, client, await oauth.pushedAuthorizationRequest(as, client, auth, params, { ...insecure, DPoP })));
    const { uid, cookie } = await startInteraction(t, CLIENT.client_id, pushed.request_uri);
    const location = await t.app.get(InteractionService).finish(uid, browserRequest(cookie), { subject: 'user-1' });
    const callback = oauth.validateAuthResponse(as, client, new URL(location), oauth.skipStateCheck);
    const tokens = await retrying(async () =>
      oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, auth, callback, CLIENT.redirect_uris[0], verifier, { ...insecure, DPoP })),
    );
    expect(tokens.token_type).toBe('dpop');
  });
});
