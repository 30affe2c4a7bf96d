import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, errors as joseErrors, importJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { OAuthError } from '../errors/oauth-error.js';
import type { ReplayStore } from '../persistence/stores.js';
import type { DpopNonces } from './dpop-nonce.js';

/** JWS algorithms accepted for DPoP proofs (RFC 9449 §4.3 step 5; FAPI 2.0 §5.4). */
export const DPOP_SIGNING_ALGS = ['ES256', 'PS256', 'EdDSA'] as const;

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

/** A verified proof: the key it was made with, as its RFC 7638 thumbprint. */
export interface VerifiedDpopProof {
  readonly jkt: string;
  readonly jti: string;
}

/** What the request the proof came with looked like, and what the server expects of it. */
export interface DpopCheck {
  /** Every `DPoP` header value of the request (more than one is refused). */
  readonly headers: readonly string[];
  readonly method: string;
  /** The endpoint's URL (scheme, host, path); the proof's htu is compared without query and fragment. */
  readonly url: string;
  /** When an access token is presented with the proof: its value, for `ath`. */
  readonly accessToken?: string;
  readonly now: number;
  /** Seconds a proof's `iat` may lie in the past. */
  readonly maxAge: number;
  /** Seconds a proof's `iat` may lie in the future. */
  readonly skew: number;
  /** When the server requires its own nonces (§8): what it accepts, and the nonce to hand out. */
  readonly nonces?: DpopNonces;
}

const invalid = (description: string): OAuthError => new OAuthError('invalid_dpop_proof', description);

/**
 * Checks a DPoP proof per RFC 9449 §4.3: exactly one `DPoP` header holding a JWT with `typ: dpop+jwt`,
 * an allowed asymmetric `alg`, a public `jwk` that verifies the signature, `htm` and `htu` matching the
 * request, `iat` within the window, `ath` matching a presented access token, and a `jti` not seen
 * before (kept in the ReplayStore, so across instances) — otherwise `invalid_dpop_proof`.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export async function verifyDpopProof(check: DpopCheck, replay: ReplayStore): Promise<VerifiedDpopProof> {
  if (check.headers.length !== 1) throw invalid('exactly one DPoP header is required');
  const proof = check.headers[0] as string;
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw invalid('the DPoP proof is not a well-formed JWT');
  }
  if (header.typ !== 'dpop+jwt') throw invalid('the DPoP proof must have typ dpop+jwt');
  if (typeof header.alg !== 'string' || !(DPOP_SIGNING_ALGS as readonly string[]).includes(header.alg)) {
    throw invalid(`the DPoP proof alg must be one of ${DPOP_SIGNING_ALGS.join(', ')}`);
  }
  const jwk = header.jwk as JWK | undefined;
  if (typeof jwk !== 'object' || jwk === null) throw invalid('the DPoP proof must carry its public key in jwk');
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) throw invalid('the DPoP proof jwk must not contain a private key');
  let payload: JWTPayload;
  try {
    const key = await importJWK(jwk, header.alg);
    ({ payload } = await jwtVerify(proof, key, { typ: 'dpop+jwt', algorithms: [...DPOP_SIGNING_ALGS], currentDate: new Date(check.now), clockTolerance: check.skew }));
  } catch (error) {
    if (error instanceof joseErrors.JOSEError || error instanceof TypeError) throw invalid('the DPoP proof signature does not verify with its jwk');
    throw error;
  }
  const { jti, htm, htu, iat, ath } = payload as JWTPayload & { htm?: unknown; htu?: unknown; ath?: unknown };
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 512) throw invalid('the DPoP proof must have a jti');
  if (htm !== check.method) throw invalid('the DPoP proof htm does not match the request method');
  if (typeof htu !== 'string' || normalizeHtu(htu) !== normalizeHtu(check.url)) throw invalid('the DPoP proof htu does not match the request URL');
  const nowSeconds = Math.floor(check.now / 1000);
  if (typeof iat !== 'number') throw invalid('the DPoP proof must have an iat');
  if (iat > nowSeconds + check.skew) throw invalid('the DPoP proof iat is in the future');
  if (iat < nowSeconds - check.maxAge) throw invalid('the DPoP proof is too old');
  if (check.accessToken !== undefined) {
    const expected = createHash('sha256').update(check.accessToken, 'ascii').digest('base64url');
    if (ath !== expected) throw invalid('the DPoP proof ath does not match the access token');
  }
  if (check.nonces !== undefined && !check.nonces.accepts((payload as { nonce?: unknown }).nonce, check.now)) {
    // §8: the client retries with the nonce of the DPoP-Nonce header.
    throw new OAuthError('use_dpop_nonce', 'the DPoP proof must carry the server-provided nonce', 400, { 'DPoP-Nonce': check.nonces.current(check.now) });
  }
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  const first = await replay.firstUse(`dpop\n${jkt}\n${jti}`, new Date((iat + check.maxAge + check.skew) * 1000), new Date(check.now));
  if (!first) throw invalid('the DPoP proof has already been used');
  return { jkt, jti };
}

/** RFC 9449 §4.3 step 9: htu is compared without query and fragment (and, RFC 3986 §6, scheme and host case-insensitively). */
function normalizeHtu(value: string): string {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return `invalid:${value}`;
  }
}
