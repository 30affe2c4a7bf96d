import { exportJWK, generateKeyPair } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const PATHS = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'] as const;
/** `sub` and the claims of the default scopes profile, email, address and phone (OIDC Core §5.4). */
const STANDARD_CLAIMS = [
  'sub',
  ...['name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at'],
  ...['email', 'email_verified', 'address', 'phone_number', 'phone_number_verified'],
];

/** The whole metadata document (RFC 8414 §2, RFC 9126 §5, RFC 9207 §3, OIDC Discovery §3) expected for these settings. */
function expectedMetadata(
  issuer: string,
  settings: { requirePar?: boolean; scopes?: string[]; idTokenAlg?: string; requireSignedRequestObject?: boolean; claims?: string[]; identityAssurance?: Record<string, unknown> } = {},
): Record<string, unknown> {
  const clientAuthMethods = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];
  const assertionAlgs = ['ES256', 'PS256', 'EdDSA'];
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    introspection_endpoint: `${issuer}/introspect`,
    revocation_endpoint: `${issuer}/revoke`,
    userinfo_endpoint: `${issuer}/userinfo`,
    pushed_authorization_request_endpoint: `${issuer}/par`,
    require_pushed_authorization_requests: settings.requirePar ?? false,
    authorization_response_iss_parameter_supported: true,
    token_endpoint_auth_methods_supported: clientAuthMethods,
    token_endpoint_auth_signing_alg_values_supported: assertionAlgs,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    code_challenge_methods_supported: ['S256'],
    dpop_signing_alg_values_supported: ['ES256', 'PS256', 'EdDSA'],
    scopes_supported: settings.scopes ?? ['openid', 'profile', 'email', 'address', 'phone', 'offline_access'],
    authorization_details_types_supported: [],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [settings.idTokenAlg ?? 'ES256'],
    claims_parameter_supported: true,
    claims_supported: settings.claims ?? STANDARD_CLAIMS,
    ...settings.identityAssurance,
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    introspection_endpoint_auth_signing_alg_values_supported: assertionAlgs,
    revocation_endpoint_auth_methods_supported: clientAuthMethods,
    revocation_endpoint_auth_signing_alg_values_supported: assertionAlgs,
    request_parameter_supported: true,
    request_object_signing_alg_values_supported: ['ES256', 'PS256', 'EdDSA'],
    require_signed_request_object: settings.requireSignedRequestObject ?? false,
    request_uri_parameter_supported: false,
  };
}

describe('authorization server metadata (RFC 8414 §3, OIDC Discovery §4)', () => {
  let db: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { clients: [BASIC_CLIENT] } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it.each(PATHS)('GET %s: 200 application/json with exactly the document', async (path) => {
    const res = await request(t.server).get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.body).toEqual(expectedMetadata(t.issuer));
  });

  it('serves the same bytes at both locations', async () => {
    const [a, b] = await Promise.all(PATHS.map((path) => request(t.server).get(path)));
    expect(a?.text).toBe(b?.text);
  });

  it('advertises an issuer that matches the URL it is fetched from (RFC 8414 §3.3)', async () => {
    const res = await fetch(`${t.issuer}${PATHS[0]}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { issuer: string }).issuer).toBe(t.issuer);
  });

  it('HEAD answers like GET without a body', async () => {
    const res = await request(t.server).head(PATHS[0]);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.text ?? '').toBe('');
  });
});

describe('metadata reflects the options', () => {
  let db: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    t = await createTestApp({
      database: db,
      par: {
        issuer: 'https://as.example.com/',
        clients: [BASIC_CLIENT],
        requirePushedAuthorizationRequests: true,
        requireSignedRequestObject: true,
        scopesSupported: ['openid', 'api:read'],
        signingKeys: [{ ...(await exportJWK(privateKey)), kid: 'ed-1' }],
        identityAssurance: { trustFrameworks: ['de_aml', 'eidas'], claimsInVerifiedClaims: ['given_name', 'family_name'], evidence: ['document', 'electronic_record'], documents: ['idcard'] },
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it.each(PATHS)('GET %s: require_pushed_authorization_requests, require_signed_request_object, scopes_supported, claims_supported, identity assurance, the ID token alg and the issuer without its trailing slash', async (path) => {
    const res = await request(t.server).get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual(expectedMetadata('https://as.example.com', {
        requirePar: true,
        requireSignedRequestObject: true,
        scopes: ['openid', 'api:read'],
        idTokenAlg: 'EdDSA',
        claims: ['sub'],
        identityAssurance: {
          verified_claims_supported: true,
          trust_frameworks_supported: ['de_aml', 'eidas'],
          claims_in_verified_claims_supported: ['given_name', 'family_name'],
          evidence_supported: ['document', 'electronic_record'],
          documents_supported: ['idcard'],
        },
      }));
  });
});
