import { describe, expect, it } from 'vitest';
import { StaticClientRegistry } from './clients/client-registry.js';
import type { ClientMetadata } from './clients/client.js';
import { systemClock } from './common/clock.js';
import { ParConfigurationError } from './common/configuration-error.js';
import { DEFAULT_SCOPES, type ParModuleOptions, resolveParOptions } from './par.options.js';

const SECRET = 'a-client-secret-of-at-least-32-characters';
const BASIC: ClientMetadata = {
  client_id: 'basic-client',
  client_secret: SECRET,
  token_endpoint_auth_method: 'client_secret_basic',
  redirect_uris: ['https://client.example.org/cb'],
};
const PUBLIC_JWK = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' };
const JWT_CLIENT: ClientMetadata = {
  client_id: 'jwt-client',
  token_endpoint_auth_method: 'private_key_jwt',
  redirect_uris: ['https://jwt.example.org/cb'],
  jwks: { keys: [PUBLIC_JWK] },
};

const valid = (overrides: Partial<ParModuleOptions> = {}): ParModuleOptions => ({ issuer: 'https://as.example.com', clients: [BASIC], ...overrides });

/** Options as a JavaScript (or loosely typed) host could pass them. */
const loose = (options: Record<string, unknown>): ParModuleOptions => options as unknown as ParModuleOptions;

/** The ParConfigurationError that resolving `options` throws (fails the test when nothing is thrown). */
function configurationError(options: ParModuleOptions): ParConfigurationError {
  try {
    resolveParOptions(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ParConfigurationError);
    return error as ParConfigurationError;
  }
  throw new Error('resolveParOptions did not throw');
}

/** Asserts that resolving `options` fails naming `option`, with the given problem. */
function expectRejected(options: ParModuleOptions, option: string, problem?: RegExp): void {
  const error = configurationError(options);
  expect(error.name).toBe('ParConfigurationError');
  expect(error.option).toBe(option);
  expect(error.message.startsWith(`ParModule option "${option}" `)).toBe(true);
  if (problem) expect(error.message).toMatch(problem);
}

describe('resolveParOptions', () => {
  it('fills in every default', () => {
    const resolved = resolveParOptions(valid());
    expect(resolved.clients).toBeInstanceOf(StaticClientRegistry);
    expect(resolved).toMatchObject({
      issuer: 'https://as.example.com',
      requestUriTtl: 60,
      codeTtl: 60,
      accessTokenTtl: 300,
      requirePushedAuthorizationRequests: false,
      allowUnregisteredRedirectUris: false,
      requireSignedRequestObject: false,
      clientAssertionAudience: 'issuer',
      clientAssertionMaxLifetime: 300,
      clockSkew: 10,
      scopesSupported: [...DEFAULT_SCOPES],
      maxBodyBytes: 524_288,
      maxStateLength: 1024,
      maxNonceLength: 512,
      maxParameters: 100,
      maxParameterNameLength: 128,
      maxParameterLength: 2048,
      rateLimits: {
        pushedAuthorization: { perClient: { limit: 1000, windowSeconds: 60 }, perAddress: { limit: 1000, windowSeconds: 60 } },
        token: { perClient: { limit: 1000, windowSeconds: 60 }, perAddress: { limit: 1000, windowSeconds: 60 } },
        syncInterval: 1000,
        maxKeys: 100_000,
      },
      purgeInterval: 60,
      purgeGrace: 3600,
      shutdownTimeout: 10,
    });
    expect(resolved.clock).toBe(systemClock);
  });

  it('turns off what is false: every rate limit, or single ones', () => {
    expect(resolveParOptions(valid({ rateLimits: false })).rateLimits).toBe(false);
    expect(resolveParOptions(valid({ rateLimits: { token: { perAddress: false }, pushedAuthorization: { perClient: { limit: 5, windowSeconds: 1 } }, syncInterval: 10 } })).rateLimits).toEqual({
      pushedAuthorization: { perClient: { limit: 5, windowSeconds: 1 }, perAddress: { limit: 1000, windowSeconds: 60 } },
      token: { perClient: { limit: 1000, windowSeconds: 60 }, perAddress: undefined },
      syncInterval: 10,
      maxKeys: 100_000,
    });
  });

  it('keeps the values it is given', () => {
    const clock = { now: () => 0 };
    const resolved = resolveParOptions(
      valid({
        requestUriTtl: 599,
        codeTtl: 600,
        accessTokenTtl: 86_400,
        requirePushedAuthorizationRequests: true,
        allowUnregisteredRedirectUris: true,
        requireSignedRequestObject: true,
        clientAssertionAudience: 'lenient',
        clientAssertionMaxLifetime: 3600,
        clockSkew: 0,
        scopesSupported: ['openid', 'api:read'],
        maxBodyBytes: 1024,
        maxStateLength: 64,
        maxNonceLength: 64,
        purgeInterval: 0,
        shutdownTimeout: 120,
        clock,
      }),
    );
    expect(resolved).toMatchObject({
      requestUriTtl: 599,
      codeTtl: 600,
      accessTokenTtl: 86_400,
      requirePushedAuthorizationRequests: true,
      allowUnregisteredRedirectUris: true,
      requireSignedRequestObject: true,
      clientAssertionAudience: 'lenient',
      clientAssertionMaxLifetime: 3600,
      clockSkew: 0,
      scopesSupported: ['openid', 'api:read'],
      maxBodyBytes: 1024,
      maxStateLength: 64,
      maxNonceLength: 64,
      purgeInterval: 0,
      shutdownTimeout: 120,
    });
    expect(resolved.clock).toBe(clock);
    expect(resolveParOptions(valid({ shutdownTimeout: 0 })).shutdownTimeout).toBe(0);
    expect(resolveParOptions(valid({ requestUriTtl: 5 })).requestUriTtl).toBe(5);
  });

  it('strips one trailing slash from the issuer, with or without a path', () => {
    expect(resolveParOptions(valid({ issuer: 'https://as.example.com/' })).issuer).toBe('https://as.example.com');
    expect(resolveParOptions(valid({ issuer: 'https://as.example.com/tenant/' })).issuer).toBe('https://as.example.com/tenant');
    expect(resolveParOptions(valid({ issuer: 'https://as.example.com/tenant' })).issuer).toBe('https://as.example.com/tenant');
  });

  it('accepts http for localhost and loopback addresses only', () => {
    for (const issuer of ['http://localhost:3000', 'http://127.0.0.1:8080', 'http://[::1]:3000']) {
      expect(resolveParOptions(valid({ issuer })).issuer).toBe(issuer);
    }
  });

  describe('fails naming the option', () => {
    it('issuer: missing', () => {
      expectRejected(loose({ clients: [BASIC] }), 'issuer', /is required/);
    });
    it('issuer: relative', () => {
      expectRejected(valid({ issuer: '/oauth' }), 'issuer', /must be an absolute URL/);
      expectRejected(valid({ issuer: 'as.example.com' }), 'issuer', /must be an absolute URL/);
    });
    it('issuer: with a query, even an empty one', () => {
      expectRejected(valid({ issuer: 'https://as.example.com?tenant=1' }), 'issuer', /must not have a query/);
      expectRejected(valid({ issuer: 'https://as.example.com/?' }), 'issuer', /must not have a query/);
    });
    it('issuer: with a fragment, even an empty one', () => {
      expectRejected(valid({ issuer: 'https://as.example.com#top' }), 'issuer', /must not have a fragment/);
      expectRejected(valid({ issuer: 'https://as.example.com/#' }), 'issuer', /must not have a fragment/);
    });
    it('issuer: http on a host that is not localhost', () => {
      for (const issuer of ['http://as.example.com', 'http://localhost.example.com', 'http://10.0.0.1']) {
        expectRejected(valid({ issuer }), 'issuer', /must use https/);
      }
      expectRejected(valid({ issuer: 'ftp://as.example.com' }), 'issuer', /must use https/);
    });
    it.each([600, 4, 1.5, 0, -60, Number.NaN])('requestUriTtl: %s', (requestUriTtl) => {
      expectRejected(valid({ requestUriTtl }), 'requestUriTtl', /must be an integer from 5 to 599/);
    });
    it('requestUriTtl: not a number', () => {
      expectRejected(loose({ ...valid(), requestUriTtl: '60' }), 'requestUriTtl', /must be an integer/);
    });
    it('other numeric options out of range', () => {
      expectRejected(valid({ codeTtl: 601 }), 'codeTtl');
      expectRejected(valid({ accessTokenTtl: 0 }), 'accessTokenTtl');
      expectRejected(valid({ clockSkew: 60 }), 'clockSkew');
      expectRejected(valid({ clientAssertionMaxLifetime: 3601 }), 'clientAssertionMaxLifetime');
      expectRejected(valid({ maxBodyBytes: 1023 }), 'maxBodyBytes');
      expectRejected(valid({ maxStateLength: 63 }), 'maxStateLength');
      expectRejected(valid({ maxNonceLength: 63 }), 'maxNonceLength');
      expectRejected(valid({ purgeInterval: -1 }), 'purgeInterval');
      expectRejected(valid({ purgeGrace: 86_401 }), 'purgeGrace');
      expectRejected(valid({ shutdownTimeout: -1 }), 'shutdownTimeout', /must be an integer from 0 to 120/);
      expectRejected(valid({ shutdownTimeout: 121 }), 'shutdownTimeout', /must be an integer from 0 to 120/);
      expectRejected(valid({ shutdownTimeout: 2.5 }), 'shutdownTimeout', /must be an integer from 0 to 120/);
      expectRejected(valid({ maxParameters: 9 }), 'maxParameters', /from 10 to 10000/);
      expectRejected(valid({ maxParameterNameLength: 31 }), 'maxParameterNameLength', /from 32 to 1024/);
      expectRejected(valid({ maxParameterLength: 65_537 }), 'maxParameterLength', /from 256 to 65536/);
    });
    it('rateLimits: a limit that is neither false nor { limit, windowSeconds }', () => {
      expectRejected(loose({ ...valid(), rateLimits: { token: { perAddress: 1000 } } }), 'rateLimits.token.perAddress', /must be false or \{ limit, windowSeconds \}/);
      expectRejected(valid({ rateLimits: { token: { perAddress: { limit: 10, windowSeconds: 86_401 } } } }), 'rateLimits.token.perAddress.windowSeconds');
      expectRejected(valid({ rateLimits: { maxKeys: 9 } }), 'rateLimits.maxKeys');
    });
    it('a boolean option that is not a boolean', () => {
      expectRejected(loose({ ...valid(), requirePushedAuthorizationRequests: 'yes' }), 'requirePushedAuthorizationRequests', /must be a boolean/);
      expectRejected(loose({ ...valid(), requireSignedRequestObject: 1 }), 'requireSignedRequestObject', /must be a boolean \(got 1\)/);
    });
    it('silentInteraction: not a function', () => {
      expectRejected(loose({ ...valid(), silentInteraction: { subject: 'alice' } }), 'silentInteraction', /must be a function/);
      expect(resolveParOptions(valid()).silentInteraction).toBeUndefined();
    });

    it('onEvent: not a function', () => {
      expectRejected(loose({ ...valid(), onEvent: 'audit-log' }), 'onEvent', /must be a function/);
      expect(resolveParOptions(valid()).onEvent).toBeUndefined();
    });
    it('clientAssertionAudience: unknown policy', () => {
      expectRejected(loose({ ...valid(), clientAssertionAudience: 'token-endpoint' }), 'clientAssertionAudience', /"token-endpoint"/);
    });
    it('scopesSupported: not scope tokens', () => {
      expectRejected(valid({ scopesSupported: ['openid', 'two words'] }), 'scopesSupported');
      expectRejected(valid({ scopesSupported: ['"quoted"'] }), 'scopesSupported');
    });
    it('clients: missing', () => {
      expectRejected(loose({ issuer: 'https://as.example.com' }), 'clients', /is required/);
    });
    it('clients: neither an array nor a registry', () => {
      expectRejected(loose({ ...valid(), clients: { basic: BASIC } }), 'clients', /findClient/);
    });
    it('clients[0].token_endpoint_auth_method: unknown method', () => {
      expectRejected(
        valid({ clients: [{ ...BASIC, token_endpoint_auth_method: 'client_secret_jwt' as unknown as 'none' }] }),
        'clients[0].token_endpoint_auth_method',
        /"client_secret_jwt"/,
      );
    });
    it('clients[0].redirect_uris: missing or empty', () => {
      const { redirect_uris: _, ...withoutRedirectUris } = BASIC;
      expectRejected(loose({ ...valid(), clients: [withoutRedirectUris] }), 'clients[0].redirect_uris', /non-empty array/);
      expectRejected(valid({ clients: [{ ...BASIC, redirect_uris: [] }] }), 'clients[0].redirect_uris', /non-empty array/);
    });
    it('clients[0].redirect_uris[1]: with a fragment, or relative', () => {
      expectRejected(valid({ clients: [{ ...BASIC, redirect_uris: ['https://client.example.org/cb', 'https://client.example.org/cb#x'] }] }), 'clients[0].redirect_uris[1]', /fragment/);
      expectRejected(valid({ clients: [{ ...BASIC, redirect_uris: ['https://client.example.org/cb', '/cb'] }] }), 'clients[0].redirect_uris[1]', /absolute/);
    });
    it('clients[0].client_secret: missing or shorter than 32 characters, for both secret methods', () => {
      const { client_secret: _, ...withoutSecret } = BASIC;
      expectRejected(valid({ clients: [withoutSecret] }), 'clients[0].client_secret', /is required for client_secret_basic/);
      expectRejected(valid({ clients: [{ ...BASIC, client_secret: '0123456789' }] }), 'clients[0].client_secret', /at least 32 characters/);
      expectRejected(valid({ clients: [{ ...BASIC, client_secret: 'x'.repeat(31), token_endpoint_auth_method: 'client_secret_post' }] }), 'clients[0].client_secret', /client_secret_post/);
    });
    it('clients[0].client_secret: required by the default method (client_secret_basic, RFC 7591 §2)', () => {
      expectRejected(valid({ clients: [{ client_id: 'c', redirect_uris: ['https://c.example/cb'] }] }), 'clients[0].client_secret');
    });
    it('clients[0].jwks: missing or empty for private_key_jwt', () => {
      const { jwks: _, ...withoutJwks } = JWT_CLIENT;
      expectRejected(valid({ clients: [withoutJwks] }), 'clients[0].jwks', /is required for private_key_jwt/);
      expectRejected(valid({ clients: [{ ...JWT_CLIENT, jwks: { keys: [] } }] }), 'clients[0].jwks', /is required for private_key_jwt/);
    });
    it('clients[0].jwks.keys[0]: a private key', () => {
      const privateJwk = { ...PUBLIC_JWK, d: 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI' };
      expectRejected(valid({ clients: [{ ...JWT_CLIENT, jwks: { keys: [privateJwk] } }] }), 'clients[0].jwks.keys[0]', /must be a public key/);
      // also on clients that do not authenticate with it
      expectRejected(valid({ clients: [BASIC, { ...BASIC, client_id: 'other', jwks: { keys: [PUBLIC_JWK, { kty: 'oct', k: 'c2VjcmV0' }] } }] }), 'clients[1].jwks.keys[1]');
    });
    it('clients[1].client_id: duplicate', () => {
      expectRejected(valid({ clients: [BASIC, { ...JWT_CLIENT, client_id: BASIC.client_id }] }), 'clients[1].client_id', /duplicates client "basic-client"/);
    });
    it('clients[0].scope: not a string', () => {
      expectRejected(loose({ ...valid(), clients: [{ ...BASIC, scope: ['openid'] }] }), 'clients[0].scope');
    });
    it('clients[0].jwks.keys[0]: not an object', () => {
      expectRejected(loose({ ...valid(), clients: [{ ...JWT_CLIENT, jwks: { keys: [null] } }] }), 'clients[0].jwks.keys[0]');
    });
    it('clients[0].client_id: missing, empty or not printable ASCII', () => {
      for (const client_id of [undefined, '', 'tab\tid', 'é'.repeat(3), 'x'.repeat(256)]) {
        expectRejected(loose({ ...valid(), clients: [{ ...BASIC, client_id }] }), 'clients[0].client_id');
      }
    });
  });
});

describe('the fapi2 profile (FAPI 2.0 Security Profile Final)', () => {
  const fapi2 = (overrides: Partial<ParModuleOptions> = {}): ParModuleOptions => valid({ profile: 'fapi2', clients: [JWT_CLIENT], ...overrides });

  it("is off by default: profile 'oauth2', and the options keep their own defaults", () => {
    expect(resolveParOptions(valid())).toMatchObject({
      profile: 'oauth2',
      requirePushedAuthorizationRequests: false,
      clientAssertionAudience: 'issuer',
      requireDpop: false,
      rotateRefreshTokens: 'public',
    });
    expect(resolveParOptions(valid({ profile: 'oauth2' })).profile).toBe('oauth2');
  });

  it('profile: an unknown value fails naming the option', () => {
    expectRejected(loose({ ...valid(), profile: 'fapi1' }), 'profile', /must be 'oauth2' or 'fapi2' \(got "fapi1"\)/);
  });

  it('forces PAR (§5.3.2.2-3), the issuer-string assertion audience (§5.3.2.1-8) and DPoP (§5.3.2.1-4), and defaults rotation to never (§5.3.2.1-9)', () => {
    expect(resolveParOptions(fapi2())).toMatchObject({
      profile: 'fapi2',
      requirePushedAuthorizationRequests: true,
      clientAssertionAudience: 'issuer-string',
      requireDpop: true,
      rotateRefreshTokens: 'never',
      codeTtl: 60,
      requestUriTtl: 60,
      clockSkew: 10,
      maxStateLength: 1024,
      maxNonceLength: 512,
    });
  });

  it('keeps explicit values that fit the profile', () => {
    const resolved = resolveParOptions(
      fapi2({
        requirePushedAuthorizationRequests: true,
        clientAssertionAudience: 'issuer-string',
        requireDpop: true,
        codeTtl: 30,
        requestUriTtl: 599,
        clockSkew: 59,
        rotateRefreshTokens: 'public',
        allowUnregisteredRedirectUris: true,
        requireSignedRequestObject: true,
      }),
    );
    expect(resolved).toMatchObject({ codeTtl: 30, requestUriTtl: 599, clockSkew: 59, rotateRefreshTokens: 'public', allowUnregisteredRedirectUris: true, requireSignedRequestObject: true });
    expect(resolveParOptions(fapi2({ codeTtl: 60, clockSkew: 10, rotateRefreshTokens: 'never' }))).toMatchObject({ codeTtl: 60, clockSkew: 10, rotateRefreshTokens: 'never' });
  });

  describe('fails at boot naming an option set against the profile', () => {
    it('requirePushedAuthorizationRequests: false (§5.3.2.2-3)', () => {
      expectRejected(fapi2({ requirePushedAuthorizationRequests: false }), 'requirePushedAuthorizationRequests', /must be true \(FAPI 2\.0 §5\.3\.2\.2-3\) under the fapi2 profile \(got false\)$/);
    });
    it.each(['issuer', 'lenient'] as const)("clientAssertionAudience: '%s' (§5.3.2.1-8)", (clientAssertionAudience) => {
      expectRejected(fapi2({ clientAssertionAudience }), 'clientAssertionAudience', new RegExp(`must be 'issuer-string' .* under the fapi2 profile \\(got "${clientAssertionAudience}"\\)$`));
    });
    it('requireDpop: false (§5.3.2.1-4)', () => {
      expectRejected(fapi2({ requireDpop: false }), 'requireDpop', /must be true: access tokens are sender-constrained with DPoP .* \(got false\)$/);
    });
    it.each([61, 600])('codeTtl: %s (at most 60, §5.3.2.1-11)', (codeTtl) => {
      expectRejected(fapi2({ codeTtl }), 'codeTtl', new RegExp(`must be at most 60 .* under the fapi2 profile \\(got ${codeTtl}\\)$`));
    });
    it("rotateRefreshTokens: 'always' (§5.3.2.1-9)", () => {
      expectRejected(fapi2({ rotateRefreshTokens: 'always' }), 'rotateRefreshTokens', /must be 'never' .* \(got "always"\)$/);
    });
    it.each([0, 9])('clockSkew: %s (iat/nbf up to 10 s ahead must be accepted, §5.3.2.1-13)', (clockSkew) => {
      expectRejected(fapi2({ clockSkew }), 'clockSkew', /must be at least 10: iat\/nbf up to 10 seconds ahead must be accepted/);
    });
    it('clockSkew: 60 or more, and requestUriTtl: 600 or more, as under any profile (§5.3.2.1-13, §5.3.2.2-12)', () => {
      expectRejected(fapi2({ clockSkew: 60 }), 'clockSkew', /from 0 to 59/);
      expectRejected(fapi2({ requestUriTtl: 600 }), 'requestUriTtl', /from 5 to 599/);
    });
    it.each([
      ['client_secret_basic', BASIC],
      ['client_secret_post', { ...BASIC, token_endpoint_auth_method: 'client_secret_post' }],
      ['none', { client_id: 'spa', token_endpoint_auth_method: 'none', redirect_uris: ['https://spa.example.org/cb'] }],
      ['client_secret_basic', { client_id: 'default', client_secret: SECRET, redirect_uris: ['https://default.example.org/cb'] }],
    ] as const)('clients[1].token_endpoint_auth_method: %s (private_key_jwt only, §5.3.2.1-6)', (method, client) => {
      expectRejected(
        fapi2({ clients: [JWT_CLIENT, client as ClientMetadata] }),
        'clients[1].token_endpoint_auth_method',
        new RegExp(`must be private_key_jwt, not ${method} \\(FAPI 2\\.0 §5\\.3\\.2\\.1-6\\) under the fapi2 profile$`),
      );
    });
    it.each(['http://client.example.org/cb', 'http://localhost:4999/cb', 'http://127.0.0.2:4999/cb', 'http://10.0.0.1/cb'])(
      'clients[0].redirect_uris[1]: %s (no http except on a loopback IP address, §5.3.2.2-8)',
      (uri) => {
        expectRejected(
          fapi2({ clients: [{ ...JWT_CLIENT, redirect_uris: ['https://jwt.example.org/cb', uri] }] }),
          'clients[0].redirect_uris[1]',
          /must not use http, except on a loopback IP address \(127\.0\.0\.1 or \[::1\]; FAPI 2\.0 §5\.3\.2\.2-8\) under the fapi2 profile$/,
        );
      },
    );
  });

  it('accepts https, private-use and loopback-IP http redirect URIs (RFC 8252 §7.1, §7.3)', () => {
    const redirect_uris = ['https://jwt.example.org/cb', 'com.example.app:/cb', 'http://127.0.0.1:4999/cb', 'http://[::1]:4999/cb', 'http://127.0.0.1/cb'];
    const { clients } = resolveParOptions(fapi2({ clients: [{ ...JWT_CLIENT, redirect_uris }] }));
    expect((clients as StaticClientRegistry).findNormalized('jwt-client')?.redirectUris).toEqual(redirect_uris);
  });

  it('leaves the clients of a custom registry to be checked when they are used (invalid_client, invalid_request)', () => {
    const registry = { findClient: () => BASIC };
    expect(resolveParOptions(fapi2({ clients: registry })).clients).toBe(registry);
  });

  it('leaves the options of the oauth2 profile alone: the same values are accepted there', () => {
    expect(() =>
      resolveParOptions(valid({ requirePushedAuthorizationRequests: false, clientAssertionAudience: 'lenient', requireDpop: false, codeTtl: 600, rotateRefreshTokens: 'always', clockSkew: 0 })),
    ).not.toThrow();
  });
});

describe('StaticClientRegistry', () => {
  it('keeps only a hash of the secret', () => {
    const registry = new StaticClientRegistry([BASIC, { ...BASIC, client_id: 'post-client', token_endpoint_auth_method: 'client_secret_post' }]);
    for (const id of ['basic-client', 'post-client']) {
      const client = registry.findNormalized(id);
      expect(client?.id).toBe(id);
      expect(client?.secretHash).toBeInstanceOf(Buffer);
      expect(client?.secretHash?.length).toBe(32);
      expect(JSON.stringify(client)).not.toContain(SECRET);
      expect(Object.values(client ?? {}).some((value) => typeof value === 'string' && value.includes(SECRET))).toBe(false);
    }
    expect(JSON.stringify(registry)).not.toContain(SECRET);
  });

  it('normalizes the metadata', () => {
    const registry = new StaticClientRegistry([{ ...BASIC, scope: 'openid  profile', client_name: 'Basic' }, JWT_CLIENT]);
    expect(registry.findNormalized('basic-client')).toMatchObject({
      id: 'basic-client',
      name: 'Basic',
      authMethod: 'client_secret_basic',
      redirectUris: ['https://client.example.org/cb'],
      grantTypes: new Set(['authorization_code']),
      responseTypes: new Set(['code']),
      scopes: new Set(['openid', 'profile']),
      requirePushedAuthorizationRequests: false,
    });
    expect(registry.findNormalized('jwt-client')).toMatchObject({ authMethod: 'private_key_jwt', secretHash: undefined, jwks: { keys: [PUBLIC_JWK] } });
    expect(registry.findNormalized('unknown')).toBeUndefined();
    expect(registry.findClient()).toBeUndefined();
  });

  it('is what resolveParOptions wraps a static list in', () => {
    const { clients } = resolveParOptions(valid());
    expect(clients).toBeInstanceOf(StaticClientRegistry);
    expect((clients as StaticClientRegistry).findNormalized('basic-client')?.authMethod).toBe('client_secret_basic');
  });

  it('a registry object is used as it is', () => {
    const registry = { findClient: async (id: string) => (id === BASIC.client_id ? BASIC : undefined) };
    expect(resolveParOptions(valid({ clients: registry })).clients).toBe(registry);
  });
});
