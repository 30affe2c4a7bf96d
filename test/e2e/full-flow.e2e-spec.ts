import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InteractionService } from '../../src/par/index.js';
import { BASIC_CLIENT, PUBLIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { browserRequest } from '../support/flow.js';

/** Our issuer is http on loopback: oauth4webapi refuses http unless told otherwise. */
const HTTP = { [oauth.allowInsecureRequests]: true } as const;
const CONFIDENTIAL = { ...BASIC_CLIENT, grant_types: ['authorization_code', 'refresh_token'] };
const PUBLIC = { ...PUBLIC_CLIENT, scope: 'openid profile offline_access', grant_types: ['authorization_code', 'refresh_token'] };

/** What the client keeps between sending the user away and the callback. */
interface PendingAuthorization {
  authorizationUrl: URL;
  redirectUri: string;
  verifier: string;
  state: string;
  nonce: string;
}

describe('the whole flow, driven by oauth4webapi (PAR → authorize → code → tokens → refresh → introspect → revoke)', () => {
  let db: TestDatabase;
  let t: TestApp;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({
      database: db,
      par: { clients: [CONFIDENTIAL, PUBLIC], findAccountClaims: (_subject, { claims: requested }) => (requested.includes('name') ? { name: 'Alice Liddell' } : {}) },
    });
    const issuer = new URL(t.issuer);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, HTTP));
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  /** Pushes the authorization request (RFC 9126) and builds the URL to send the browser to. */
  async function push(client: oauth.Client, auth: oauth.ClientAuth, redirectUri: string, scope: string): Promise<PendingAuthorization> {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const parameters = new URLSearchParams({
      response_type: 'code',
      redirect_uri: redirectUri,
      scope,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const pushed = await oauth.processPushedAuthorizationResponse(as, client, await oauth.pushedAuthorizationRequest(as, client, auth, parameters, HTTP));
    expect(pushed.expires_in).toBe(60);
    const authorizationUrl = new URL(as.authorization_endpoint ?? '');
    authorizationUrl.searchParams.set('client_id', client.client_id);
    authorizationUrl.searchParams.set('request_uri', pushed.request_uri);
    return { authorizationUrl, redirectUri, verifier, state, nonce };
  }

  /** The browser: follows the authorization URL to the login page, where the host signs the user in. */
  async function signIn(pending: PendingAuthorization, subject: string): Promise<URL> {
    const res = await fetch(pending.authorizationUrl, { redirect: 'manual' });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location') ?? '', t.issuer);
    const uid = /^\/interaction\/([A-Za-z0-9_-]{43})$/.exec(location.pathname)?.[1] ?? '';
    const cookie = res.headers.getSetCookie()[0]?.split(';')[0];
    expect(uid).not.toBe('');
    expect(cookie).toBeDefined();
    // The host's login page finishes the interaction with the browser's cookie; the browser follows the redirect.
    const callback = new URL(await t.app.get(InteractionService).finish(uid, browserRequest(cookie), { subject, amr: ['pwd'] }));
    expect(`${callback.origin}${callback.pathname}`).toBe(pending.redirectUri);
    return callback;
  }

  it('runs for a confidential client (client_secret_basic) with OIDC and offline_access', async () => {
    const client: oauth.Client = { client_id: CONFIDENTIAL.client_id };
    const auth = oauth.ClientSecretBasic(CONFIDENTIAL.client_secret);
    const pending = await push(client, auth, CONFIDENTIAL.redirect_uris[0], 'openid profile offline_access');
    const callback = await signIn(pending, 'alice');

    // RFC 9207 iss and state are checked by the client.
    const parameters = oauth.validateAuthResponse(as, client, callback, pending.state);
    expect(parameters.get('iss')).toBe(t.issuer);

    const response = await oauth.authorizationCodeGrantRequest(as, client, auth, parameters, pending.redirectUri, pending.verifier, HTTP);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: pending.nonce, requireIdToken: true });
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 300, scope: 'openid profile offline_access' });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const idToken = oauth.getValidatedIdTokenClaims(tokens);
    expect(idToken).toMatchObject({ iss: t.issuer, sub: 'alice', aud: CONFIDENTIAL.client_id, nonce: pending.nonce, amr: ['pwd'], name: 'Alice Liddell' });
    // oauth4webapi trusts TLS for the ID token; a resource server or a careful client checks signatures at jwks_uri.
    const jwks = createRemoteJWKSet(new URL(as.jwks_uri ?? ''));
    await jwtVerify(tokens.id_token ?? '', jwks, { issuer: t.issuer, audience: CONFIDENTIAL.client_id });
    await jwtVerify(tokens.access_token, jwks, { issuer: t.issuer, audience: t.issuer, typ: 'at+jwt' });

    const refreshed = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token ?? '', HTTP));
    expect(refreshed).toMatchObject({ token_type: 'bearer', expires_in: 300, scope: 'openid profile offline_access', refresh_token: tokens.refresh_token });
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(oauth.getValidatedIdTokenClaims(refreshed)).toMatchObject({ sub: 'alice', aud: CONFIDENTIAL.client_id });

    const active = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, refreshed.access_token, HTTP));
    expect(active).toMatchObject({ active: true, token_type: 'Bearer', sub: 'alice', client_id: CONFIDENTIAL.client_id, scope: 'openid profile offline_access', iss: t.issuer, aud: t.issuer });

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, tokens.refresh_token ?? '', HTTP));
    const revoked = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, refreshed.access_token, HTTP));
    expect(revoked).toEqual({ active: false });
    const refreshAfterRevocation: unknown = await oauth
      .processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token ?? '', HTTP))
      .catch((e: unknown) => e);
    expect(refreshAfterRevocation).toMatchObject({ status: 400, error: 'invalid_grant' });
  });

  it('surfaces a replayed code as invalid_grant, and the replay ends what the code gave', async () => {
    const client: oauth.Client = { client_id: CONFIDENTIAL.client_id };
    const auth = oauth.ClientSecretBasic(CONFIDENTIAL.client_secret);
    const pending = await push(client, auth, CONFIDENTIAL.redirect_uris[0], 'openid offline_access');
    const parameters = oauth.validateAuthResponse(as, client, await signIn(pending, 'alice'), pending.state);
    const redeem = async (): Promise<oauth.TokenEndpointResponse> =>
      oauth.processAuthorizationCodeResponse(
        as,
        client,
        await oauth.authorizationCodeGrantRequest(as, client, auth, parameters, pending.redirectUri, pending.verifier, HTTP),
        { expectedNonce: pending.nonce, requireIdToken: true },
      );
    const tokens = await redeem();
    const replay: unknown = await redeem().catch((e: unknown) => e);
    expect(replay).toBeInstanceOf(oauth.ResponseBodyError);
    expect(replay).toMatchObject({ status: 400, error: 'invalid_grant' });
    const introspection = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, tokens.access_token, HTTP));
    expect(introspection).toEqual({ active: false });
  });

  it('runs for a public client (none): PKCE alone, and a rotated refresh token', async () => {
    const client: oauth.Client = { client_id: PUBLIC.client_id, token_endpoint_auth_method: 'none' };
    const auth = oauth.None();
    const pending = await push(client, auth, PUBLIC.redirect_uris[0], 'openid offline_access');
    const parameters = oauth.validateAuthResponse(as, client, await signIn(pending, 'bob'), pending.state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, auth, parameters, pending.redirectUri, pending.verifier, HTTP),
      { expectedNonce: pending.nonce, requireIdToken: true },
    );
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ sub: 'bob', aud: PUBLIC.client_id });
    const rotated = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token ?? '', HTTP));
    expect(rotated.refresh_token).toEqual(expect.any(String));
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);
    // The old refresh token is dead, and presenting it ends the grant.
    const reuse: unknown = await oauth
      .processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token ?? '', HTTP))
      .catch((e: unknown) => e);
    expect(reuse).toMatchObject({ status: 400, error: 'invalid_grant' });
    const afterReuse: unknown = await oauth
      .processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, rotated.refresh_token ?? '', HTTP))
      .catch((e: unknown) => e);
    expect(afterReuse).toMatchObject({ status: 400, error: 'invalid_grant' });
  });
});
