import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** A client's DPoP key pair, with its public JWK and thumbprint (RFC 7638). */
export interface DpopKey {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

export async function makeDpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

/** A DPoP proof (RFC 9449 §4.2) for `htm` `htu`, with `ath` when an access token is given. */
export function dpopProof(key: DpopKey, htm: string, htu: string, options: { accessToken?: string; iat?: number; jti?: string; nonce?: string } = {}): Promise<string> {
  return new SignJWT({
    jti: options.jti ?? randomUUID(),
    htm,
    htu,
    iat: options.iat ?? Math.floor(Date.now() / 1000),
    ...(options.accessToken !== undefined && { ath: createHash('sha256').update(options.accessToken).digest('base64url') }),
    ...(options.nonce !== undefined && { nonce: options.nonce }),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk })
    .sign(key.privateKey);
}
