import { optional, type Params } from '../common/form.js';
import { invalidRequest } from '../errors/oauth-error.js';

/** A S256 challenge is BASE64URL(SHA-256(verifier)): always 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/**
 * RFC 7636 §4.3, §4.4.1 with RFC 9700 §2.1.1 and FAPI 2.0 §5.3.2.2-5: PKCE is required, with
 * `code_challenge_method=S256` sent explicitly (its absence would mean `plain`, which is refused).
 */
export function checkPkce(params: Params): { code_challenge: string; code_challenge_method: 'S256' } {
  const challenge = optional(params, 'code_challenge');
  if (challenge === undefined) throw invalidRequest('code_challenge is required (PKCE)');
  const method = optional(params, 'code_challenge_method');
  if (method !== 'S256') throw invalidRequest('code_challenge_method must be S256');
  if (!S256_CHALLENGE.test(challenge)) throw invalidRequest('code_challenge is not a valid S256 challenge');
  return { code_challenge: challenge, code_challenge_method: 'S256' };
}
