import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASIC_CLIENT, type JwtClientFixture, makeJwtClient, ODD_ID_CLIENT, POST_CLIENT, PUBLIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sha256 } from '../../src/par/common/secrets.js';

const REQUEST_URI = /^urn:ietf:params:oauth:request_uri:([A-Za-z0-9_-]{43})$/;
/** Our issuer is http on loopback: oauth4webapi refuses http unless told otherwise. */
const HTTP = { [oauth.allowInsecureRequests]: true } as const;

/** Authorization request parameters as a real client would build them, with an oauth4webapi PKCE pair. */
async function parameters(redirectUri: string, scope = 'openid profile'): Promise<URLSearchParams> {
  const verifier = oauth.generateRandomCodeVerifier();
  return new URLSearchParams({
    response_type: 'code',
    redirect_uri: redirectUri,
    scope,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
  });
}

describe('oauth4webapi as an independent client', () => {
  let db: TestDatabase;
  let t: TestApp;
  let jwtClient: JwtClientFixture;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    jwtClient = await makeJwtClient();
    t = await createTestApp({ database: db, par: { clients: [BASIC_CLIENT, POST_CLIENT, PUBLIC_CLIENT, ODD_ID_CLIENT, jwtClient.metadata] } });
    const issuer = new URL(t.issuer);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, HTTP));
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  /** Pushes with oauth4webapi, has it process the answer, and checks what was stored. */
  async function pushAccepted(client: oauth.Client, auth: oauth.ClientAuth, redirectUri: string): Promise<oauth.PushedAuthorizationResponse> {
    const response = await oauth.pushedAuthorizationRequest(as, client, auth, await parameters(redirectUri), HTTP);
    const result = await oauth.processPushedAuthorizationResponse(as, client, response);
    expect(result.request_uri).toMatch(REQUEST_URI);
    expect(result.expires_in).toBe(60);
    const reference = REQUEST_URI.exec(result.request_uri)?.[1] ?? '';
    const rows = await db.query<{ client_id: string }>('SELECT client_id FROM par_pushed_request WHERE reference_hash = $1', [sha256(reference)]);
    expect(rows).toEqual([{ client_id: client.client_id }]);
    return result;
  }

  it('discovers the server (OIDC Discovery location, the default)', () => {
    expect(as.issuer).toBe(t.issuer);
    expect(as.pushed_authorization_request_endpoint).toBe(`${t.issuer}/par`);
  });

  it('discovers the server at the RFC 8414 location too', async () => {
    const issuer = new URL(t.issuer);
    const metadata = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...HTTP, algorithm: 'oauth2' }));
    expect(metadata).toEqual(as);
  });

  it('pushes with client_secret_basic', async () => {
    await pushAccepted({ client_id: BASIC_CLIENT.client_id }, oauth.ClientSecretBasic(BASIC_CLIENT.client_secret), BASIC_CLIENT.redirect_uris[0]);
  });

  it('pushes with client_secret_basic for a client_id and secret that need form-encoding', async () => {
    await pushAccepted({ client_id: ODD_ID_CLIENT.client_id }, oauth.ClientSecretBasic(ODD_ID_CLIENT.client_secret), ODD_ID_CLIENT.redirect_uris[0]);
  });

  it('pushes with client_secret_post', async () => {
    await pushAccepted({ client_id: POST_CLIENT.client_id }, oauth.ClientSecretPost(POST_CLIENT.client_secret), POST_CLIENT.redirect_uris[0]);
  });

  it('pushes as a public client (none)', async () => {
    await pushAccepted({ client_id: PUBLIC_CLIENT.client_id }, oauth.None(), PUBLIC_CLIENT.redirect_uris[0]);
  });

  it('pushes with private_key_jwt', async () => {
    const auth = oauth.PrivateKeyJwt({ key: jwtClient.privateKey, kid: jwtClient.kid });
    const client = { client_id: jwtClient.metadata.client_id };
    const redirectUri = jwtClient.metadata.redirect_uris[0] ?? '';
    // Each push signs a fresh assertion (new jti): both are accepted.
    await pushAccepted(client, auth, redirectUri);
    await pushAccepted(client, auth, redirectUri);
  });

  it('surfaces a refused scope as a ResponseBodyError with error invalid_scope', async () => {
    const client = { client_id: BASIC_CLIENT.client_id };
    const response = await oauth.pushedAuthorizationRequest(as, client, oauth.ClientSecretBasic(BASIC_CLIENT.client_secret), await parameters(BASIC_CLIENT.redirect_uris[0], 'openid admin'), HTTP);
    const error: unknown = await oauth.processPushedAuthorizationResponse(as, client, response).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(oauth.ResponseBodyError);
    const body = error as oauth.ResponseBodyError;
    expect(body.status).toBe(400);
    expect(body.error).toBe('invalid_scope');
    expect(body.error_description).toMatch(/scope "admin" is not allowed/);
  });

  it('surfaces a wrong Basic secret as a WWW-Authenticate Basic challenge on a 401', async () => {
    const client = { client_id: BASIC_CLIENT.client_id };
    const response = await oauth.pushedAuthorizationRequest(as, client, oauth.ClientSecretBasic(`${BASIC_CLIENT.client_secret}-wrong`), await parameters(BASIC_CLIENT.redirect_uris[0]), HTTP);
    const error: unknown = await oauth.processPushedAuthorizationResponse(as, client, response).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    const challenge = error as oauth.WWWAuthenticateChallengeError;
    expect(challenge.status).toBe(401);
    expect(challenge.cause).toEqual([{ scheme: 'basic', parameters: { realm: 'oauth', charset: 'UTF-8' } }]);
  });

  it('surfaces a wrong client_secret_post secret as a ResponseBodyError with error invalid_client', async () => {
    const client = { client_id: POST_CLIENT.client_id };
    const response = await oauth.pushedAuthorizationRequest(as, client, oauth.ClientSecretPost('not-the-secret'), await parameters(POST_CLIENT.redirect_uris[0]), HTTP);
    const error: unknown = await oauth.processPushedAuthorizationResponse(as, client, response).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(oauth.ResponseBodyError);
    expect(error).toMatchObject({ status: 401, error: 'invalid_client' });
  });
});
