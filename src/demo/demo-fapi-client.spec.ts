import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, importJWK, type JWK, jwtVerify, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ClientMetadata, resolveParOptions } from '../par/index.js';
import { DEMO_CLIENTS } from './demo-clients.js';
import { readDemoConfig } from './demo-config.js';

describe('the demo with PROFILE=fapi2', () => {
  let dir: string;
  let keyFile: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'demo-fapi2-'));
    keyFile = join(dir, 'nested', 'fapi-client-key.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('registers only fapi-client, with the public half of a key pair whose private JWK it writes (mode 0600)', async () => {
    const config = readDemoConfig({ PROFILE: 'fapi2', FAPI_CLIENT_KEY_FILE: keyFile });
    expect(config.fapiClientKeyFile).toBe(keyFile);
    expect(config.par.profile).toBe('fapi2');
    const privateJwk = JSON.parse(readFileSync(keyFile, 'utf8')) as JWK;
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(privateJwk).toEqual({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), d: expect.any(String), kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), alg: 'ES256', use: 'sig' });
    const { d: _, ...publicJwk } = privateJwk;
    expect(config.par.clients).toEqual([
      {
        client_id: 'fapi-client',
        client_name: 'Demo FAPI 2.0 client',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [publicJwk] },
        redirect_uris: ['http://127.0.0.1:4999/cb'],
        scope: 'openid api:read',
        dpop_bound_access_tokens: true,
      },
    ]);
    // It boots under the profile, and an assertion signed with the file's key verifies with the registered one.
    expect(resolveParOptions(config.par).profile).toBe('fapi2');
    const assertion = await new SignJWT({ sub: 'fapi-client' }).setProtectedHeader({ alg: 'ES256', kid: privateJwk.kid }).sign(await importJWK(privateJwk, 'ES256'));
    const registered = (config.par.clients as ClientMetadata[])[0]?.jwks ?? { keys: [] };
    await expect(jwtVerify(assertion, createLocalJWKSet(registered))).resolves.toMatchObject({ payload: { sub: 'fapi-client' } });
  });

  it('reuses the key file on later starts', () => {
    const first = readDemoConfig({ PROFILE: 'fapi2', FAPI_CLIENT_KEY_FILE: keyFile });
    const written = readFileSync(keyFile, 'utf8');
    const second = readDemoConfig({ PROFILE: 'fapi2', FAPI_CLIENT_KEY_FILE: keyFile });
    expect(second.par.clients).toEqual(first.par.clients);
    expect(readFileSync(keyFile, 'utf8')).toBe(written);
  });

  it('refuses a key file that does not hold a private P-256 JWK', () => {
    readDemoConfig({ PROFILE: 'fapi2', FAPI_CLIENT_KEY_FILE: keyFile });
    const { d: _, ...publicOnly } = JSON.parse(readFileSync(keyFile, 'utf8')) as JWK;
    writeFileSync(keyFile, JSON.stringify(publicOnly));
    expect(() => readDemoConfig({ PROFILE: 'fapi2', FAPI_CLIENT_KEY_FILE: keyFile })).toThrow(`${keyFile} must hold the private EC P-256 JWK of fapi-client`);
  });

  it('uses CLIENTS_FILE instead when given (no key file), and keeps the usual demo clients without PROFILE', () => {
    const clientsFile = join(dir, 'clients.json');
    writeFileSync(clientsFile, '[]');
    const withFile = readDemoConfig({ PROFILE: 'fapi2', FAPI_CLIENT_KEY_FILE: keyFile, CLIENTS_FILE: clientsFile });
    expect(withFile.par.clients).toEqual([]);
    expect(withFile.fapiClientKeyFile).toBeUndefined();
    expect(() => statSync(keyFile)).toThrow();
    const plain = readDemoConfig({});
    expect(plain.par).toMatchObject({ profile: 'oauth2', clients: DEMO_CLIENTS });
    expect(plain.fapiClientKeyFile).toBeUndefined();
  });

  it('refuses an unknown PROFILE', () => {
    expect(() => readDemoConfig({ PROFILE: 'fapi1' })).toThrow('PROFILE must be oauth2 or fapi2 (got "fapi1")');
  });
});
