import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { OAuthError } from '../errors/oauth-error.js';
import type { ReplayStore } from '../persistence/stores.js';
import { type DpopCheck, verifyDpopProof } from './dpop-proof.js';

/** The ReplayStore contract in memory (the PostgreSQL one is tested in the stores e2e suite). */
function memoryReplay(): ReplayStore {
  const seen = new Map<string, number>();
  return {
    firstUse: async (key, expiresAt, now) => {
      const until = seen.get(key);
      if (until !== undefined && until > now.getTime()) return false;
      seen.set(key, expiresAt.getTime());
      return true;
    },
    purgeExpired: async () => 0,
  };
}

const URL_ = 'https://as.example.com/token';
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

describe('verifyDpopProof (RFC 9449 §4.3)', () => {
  let privateKey: CryptoKey;
  let jwk: JWK;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    jwk = await exportJWK(pair.publicKey);
  });

  const proof = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, key: CryptoKey = privateKey): Promise<string> =>
    new SignJWT({ jti: randomUUID(), htm: 'POST', htu: URL_, iat: Math.floor(NOW / 1000), ...claims })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk, ...header })
      .sign(key);
  const check = (headers: string[], extra: Partial<DpopCheck> = {}): DpopCheck => ({ headers, method: 'POST', url: URL_, now: NOW, maxAge: 60, skew: 10, ...extra });
  const rejects = async (p: Promise<unknown>, description: RegExp): Promise<void> => {
    const error = await p.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).error).toBe('invalid_dpop_proof');
    expect((error as OAuthError).description).toMatch(description);
  };

  it('accepts a valid proof and returns the key thumbprint', async () => {
    const result = await verifyDpopProof(check([await proof()]), memoryReplay());
    expect(result.jkt).toBe(await calculateJwkThumbprint(jwk));
  });

  it('ignores query and fragment of htu', async () => {
    await verifyDpopProof(check([await proof({ htu: `${URL_}?x=1#f` })]), memoryReplay());
  });

  it('accepts iat 10 s in the past and 10 s in the future (FAPI 2.0 conformance)', async () => {
    const replay = memoryReplay();
    await verifyDpopProof(check([await proof({ iat: NOW / 1000 - 10 })]), replay);
    await verifyDpopProof(check([await proof({ iat: NOW / 1000 + 10 })]), replay);
  });

  it('refuses none or two DPoP headers', async () => {
    await rejects(verifyDpopProof(check([]), memoryReplay()), /exactly one DPoP header/);
    await rejects(verifyDpopProof(check([await proof(), await proof()]), memoryReplay()), /exactly one DPoP header/);
  });

  it('refuses a wrong typ, a symmetric or unlisted alg, a missing or private jwk', async () => {
    await rejects(verifyDpopProof(check([await proof({}, { typ: 'JWT' })]), memoryReplay()), /typ dpop\+jwt/);
    await rejects(verifyDpopProof(check(['eyJhbGciOiJIUzI1NiIsInR5cCI6ImRwb3Arand0In0.e30.x']), memoryReplay()), /alg must be one of/);
    await rejects(verifyDpopProof(check([await proof({}, { jwk: undefined })]), memoryReplay()), /carry its public key/);
    const privateJwk = await exportJWK(privateKey);
    await rejects(verifyDpopProof(check([await proof({}, { jwk: privateJwk })]), memoryReplay()), /must not contain a private key/);
  });

  it('refuses a signature by another key than the jwk', async () => {
    const other = await generateKeyPair('ES256');
    await rejects(verifyDpopProof(check([await proof({}, {}, other.privateKey)]), memoryReplay()), /signature does not verify/);
  });

  it('refuses a mismatching htm or htu, a missing jti, an old or future iat', async () => {
    await rejects(verifyDpopProof(check([await proof({ htm: 'GET' })]), memoryReplay()), /htm does not match/);
    await rejects(verifyDpopProof(check([await proof({ htu: 'https://as.example.com/par' })]), memoryReplay()), /htu does not match/);
    await rejects(verifyDpopProof(check([await proof({ jti: undefined })]), memoryReplay()), /must have a jti/);
    await rejects(verifyDpopProof(check([await proof({ iat: NOW / 1000 - 61 })]), memoryReplay()), /too old/);
    await rejects(verifyDpopProof(check([await proof({ iat: NOW / 1000 + 60 })]), memoryReplay()), /in the future/);
  });

  it('checks ath when an access token is presented', async () => {
    const token = 'access-token-value';
    const ath = createHash('sha256').update(token).digest('base64url');
    await verifyDpopProof(check([await proof({ ath })], { accessToken: token }), memoryReplay());
    await rejects(verifyDpopProof(check([await proof({ ath: 'wrong' })], { accessToken: token }), memoryReplay()), /ath does not match/);
    await rejects(verifyDpopProof(check([await proof()], { accessToken: token }), memoryReplay()), /ath does not match/);
  });

  it('refuses a replayed proof', async () => {
    const replay = memoryReplay();
    const once = await proof();
    await verifyDpopProof(check([once]), replay);
    await rejects(verifyDpopProof(check([once]), replay), /already been used/);
  });
});
