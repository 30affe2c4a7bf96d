import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JWK } from 'jose';
import type { ClientMetadata } from '../par/index.js';

/** Where the demo keeps the private key of `fapi-client` (under the gitignored .data/). */
export const DEFAULT_FAPI_CLIENT_KEY_FILE = '.data/fapi-client-key.json';

/**
 * The demo's FAPI 2.0 client (PROFILE=fapi2): private_key_jwt with an ES256 key pair generated on the
 * first start. Its PRIVATE JWK is written to `keyFile` (mode 0600) for a client to sign assertions with,
 * e.g. the shared bench driver's KEY_FILE, and read back on later starts; only the public key is
 * registered. Development only.
 */
export function demoFapiClient(keyFile: string): ClientMetadata {
  const { d: _, ...publicJwk } = loadOrCreateKey(keyFile);
  return {
    client_id: 'fapi-client',
    client_name: 'Demo FAPI 2.0 client',
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [publicJwk] },
    redirect_uris: ['http://127.0.0.1:4999/cb'],
    scope: 'openid api:read',
    dpop_bound_access_tokens: true,
  };
}

function loadOrCreateKey(keyFile: string): JWK {
  let text: string | undefined;
  try {
    text = readFileSync(keyFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    const jwk = JSON.parse(text) as JWK;
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
      throw new Error(`${keyFile} must hold the private EC P-256 JWK of fapi-client (delete it to generate a new one)`);
    }
    return jwk;
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y, d } = privateKey.export({ format: 'jwk' }) as Required<Pick<JWK, 'kty' | 'crv' | 'x' | 'y' | 'd'>>;
  // RFC 7638 thumbprint as kid: the required members, in lexicographic order.
  const kid = createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
  const jwk: JWK = { kty, crv, x, y, d, kid, alg: 'ES256', use: 'sig' };
  mkdirSync(dirname(keyFile), { recursive: true });
  writeFileSync(keyFile, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return jwk;
}
