import { timingSafeEqual } from 'node:crypto';
import { optional, type Params } from '../../common/form.js';
import { sha256Bytes } from '../../common/secrets.js';
import { OAuthError } from '../../errors/oauth-error.js';

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * RFC 7636 §4.5, §4.6: the `code_verifier` must be present, well-formed, and hash (S256) to the
 * challenge of the authorization request; otherwise `invalid_grant`.
 */
export function checkCodeVerifier(params: Params, challenge: string): void {
  const verifier = optional(params, 'code_verifier');
  if (verifier === undefined) throw new OAuthError('invalid_grant', 'code_verifier is required (PKCE)');
  if (!VERIFIER.test(verifier)) throw new OAuthError('invalid_grant', 'code_verifier must be 43 to 128 unreserved characters');
  // ASCII by the pattern above, so its UTF-8 bytes are the ASCII of RFC 7636 §4.6.
  const computed = sha256Bytes(verifier);
  const expected = Buffer.from(challenge, 'base64url');
  if (computed.length !== expected.length || !timingSafeEqual(computed, expected)) {
    throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge');
  }
}
