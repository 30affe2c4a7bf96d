import { constants, type KeyObject, sign } from 'node:crypto';

/**
 * Signs a compact JWS (RFC 7515 §7.1) with node:crypto directly: on the token endpoint's hot path this
 * is several times cheaper than WebCrypto through jose (0.02 ms against 0.1 ms per ES256 token here).
 * Verification stays with jose. Only the algorithms our signing keys may have (FAPI 2.0 §5.4).
 */
export function signCompactJws(header: Record<string, unknown>, payload: Record<string, unknown>, alg: string, key: KeyObject): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const data = Buffer.from(input);
  let signature: Buffer;
  switch (alg) {
    case 'ES256':
      signature = sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
      break;
    case 'PS256':
      signature = sign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
      break;
    case 'EdDSA':
      signature = sign(null, data, key);
      break;
    default:
      throw new Error(`unsupported signing algorithm ${alg}`);
  }
  return `${input}.${signature.toString('base64url')}`;
}
