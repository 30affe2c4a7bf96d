import type { VerifiedDpopProof } from '../../dpop/dpop-proof.js';
import { OAuthError } from '../../errors/oauth-error.js';

/**
 * RFC 9449 §10 and §5: a code (via `dpop_jkt` or a proof at PAR) or a public client's refresh token
 * bound to a DPoP key may only be used with a proof made with that key: no proof is
 * `invalid_dpop_proof`, another key is `invalid_grant`. Returns the key the new tokens are bound to.
 */
export function checkDpopBinding(boundJkt: string | undefined, proof: VerifiedDpopProof | undefined, what: string): string | undefined {
  if (boundJkt === undefined) return proof?.jkt;
  if (proof === undefined) throw new OAuthError('invalid_dpop_proof', `the ${what} is bound to a DPoP key: a DPoP proof is required`);
  if (proof.jkt !== boundJkt) throw new OAuthError('invalid_grant', `the ${what} is bound to another DPoP key`);
  return proof.jkt;
}
