import * as oauth from 'oauth4webapi';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASIC_CLIENT } from '../fixtures/clients.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createDemoApp, type DemoApp } from '../support/demo-app.js';
import { authorizationParams, basicAuth, form } from '../support/oauth.js';

const CLIENT = { ...BASIC_CLIENT, client_name: 'Bank <App> & "Co"', scope: 'openid profile api:read', grant_types: ['authorization_code'] } as const;
const PAYMENT = {
  type: 'payment_initiation',
  instructedAmount: { currency: 'EUR', amount: '123.50' },
  creditorName: '<img src=x onerror=alert(1)> & Sons',
  creditorAccount: { iban: 'DE02100100109307118603' },
};
const ACCOUNTS = { type: 'account_information', actions: ['list_accounts', 'read_balances'] };
const CLAIMS = {
  id_token: {
    verified_claims: { verification: { trust_framework: null }, claims: { given_name: null, birthdate: null } },
  },
  userinfo: { email: { essential: true } },
};

/** /authorize, which the demo's auto-approving silentInteraction answers with the redirect_uri. */
async function frontChannel(demo: DemoApp, clientId: string, requestUri: string): Promise<URL> {
  const authorize = await request(demo.server).get('/authorize').query({ client_id: clientId, request_uri: requestUri });
  expect(authorize.status).toBe(303);
  return new URL(authorize.headers.location as string);
}

describe('the demo server with RAR and the claims parameter, driven by oauth4webapi', () => {
  let db: TestDatabase;
  let demo: DemoApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    demo = await createDemoApp({ database: db, clients: [CLIENT], benchAutoApprove: true });
  });
  afterAll(async () => {
    await demo?.close();
    await db?.drop();
  });

  async function flow(extra: Record<string, string>): Promise<{ tokens: oauth.TokenEndpointResponse; as: oauth.AuthorizationServer; client: oauth.Client }> {
    const issuer = new URL(demo.issuer);
    const insecure = { [oauth.allowInsecureRequests]: true };
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
    const client: oauth.Client = { client_id: CLIENT.client_id };
    const auth = oauth.ClientSecretBasic(CLIENT.client_secret);
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const pushed = await oauth.processPushedAuthorizationResponse(
      as,
      client,
      await oauth.pushedAuthorizationRequest(
        as,
        client,
        auth,
        { response_type: 'code', redirect_uri: CLIENT.redirect_uris[0], scope: 'openid', state, nonce, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra },
        insecure,
      ),
    );
    const params = oauth.validateAuthResponse(as, client, await frontChannel(demo, CLIENT.client_id, pushed.request_uri), state);
    const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, CLIENT.redirect_uris[0], verifier, insecure);
    return { tokens: await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: nonce, requireIdToken: true }), as, client };
  }

  it('grants RAR authorization_details end to end: token response and access token carry them', async () => {
    const { tokens } = await flow({ authorization_details: JSON.stringify([PAYMENT, ACCOUNTS]) });
    expect(tokens.authorization_details).toEqual([PAYMENT, ACCOUNTS]);
    const introspection = await request(demo.server).post('/introspect').set('Authorization', basicAuth(CLIENT.client_id, CLIENT.client_secret)).type('form').send(form({ token: tokens.access_token }));
    expect(introspection.body).toMatchObject({ active: true, authorization_details: [PAYMENT, ACCOUNTS] });
  });

  it('answers the claims request: verified_claims in the ID token, requested claims at UserInfo', async () => {
    const { tokens, as, client } = await flow({ claims: JSON.stringify(CLAIMS) });
    const idToken = oauth.getValidatedIdTokenClaims(tokens);
    expect(idToken?.verified_claims).toMatchObject({ verification: { trust_framework: 'de_aml' }, claims: { given_name: 'Alice', birthdate: '1852-05-04' } });
    expect((idToken?.verified_claims as { claims: Record<string, unknown> }).claims.family_name).toBeUndefined();
    const userinfo = await oauth.userInfoRequest(as, client, tokens.access_token, { [oauth.allowInsecureRequests]: true });
    const info = await oauth.processUserInfoResponse(as, client, oauth.skipSubjectCheck, userinfo);
    expect(info).toEqual({ sub: 'user-alice', email: 'alice@example.com' });
  });
});

describe('the demo consent page with authorization details', () => {
  let db: TestDatabase;
  let demo: DemoApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    demo = await createDemoApp({ database: db, clients: [CLIENT] });
  });
  afterAll(async () => {
    await demo?.close();
    await db?.drop();
  });

  it('shows scopes and authorization details in plain words, escaped (RFC 9396 §3.1)', async () => {
    const pushed = await request(demo.server)
      .post('/par')
      .set('Authorization', basicAuth(CLIENT.client_id, CLIENT.client_secret))
      .type('form')
      .send(form(authorizationParams(CLIENT.redirect_uris[0], { scope: 'openid', authorization_details: JSON.stringify([PAYMENT, ACCOUNTS]) })));
    expect(pushed.status).toBe(201);
    const authorize = await request(demo.server).get('/authorize').query({ client_id: CLIENT.client_id, request_uri: pushed.body.request_uri as string });
    const cookies = ([] as string[]).concat(authorize.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]);
    const path = new URL(authorize.headers.location as string).pathname;
    const loginPage = await request(demo.server).get(path).set('Cookie', cookies.join('; '));
    const csrf = /name="csrf" value="([^"]+)"/.exec(loginPage.text)?.[1] as string;
    const csrfCookie = ([] as string[]).concat(loginPage.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]);
    const consent = await request(demo.server)
      .post(`${path}/login`)
      .set('Cookie', [...cookies, ...csrfCookie].join('; '))
      .type('form')
      .send(form({ username: 'alice', password: 'wonderland', csrf }));
    expect(consent.status).toBe(200);
    expect(consent.text).toContain('<strong>Bank &lt;App&gt; &amp; &quot;Co&quot;</strong> asks to:');
    expect(consent.text).toContain('<li>Sign you in with your account identifier</li>');
    expect(consent.text).toContain('<li>Pay 123.50 EUR to &lt;img src=x onerror=alert(1)&gt; &amp; Sons (account DE02100100109307118603)</li>');
    expect(consent.text).toContain('<li>Access your accounts: list accounts, read balances for all your accounts</li>');
    expect(consent.text).not.toContain('<img src=x');
  });
});
