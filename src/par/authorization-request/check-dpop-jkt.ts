import { optional, type Params } from '../common/form.js';
import { OAuthError } from '../errors/oauth-error.js';
import type { VerifiedDpopProof } from '../dpop/dpop-proof.js';

/** A SHA-256 JWK thumbprint, base64url (RFC 7638). */
const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

/**
 * RFC 9449 §10 and §10.1: the code is bound to a DPoP key by `dpop_jkt`, or at the PAR endpoint by the
 * key of a DPoP proof sent with the push; both present and different → `invalid_dpop_proof`.
 * Returns the thumbprint the code will be bound to, if any.
 */
export function checkDpopJkt(params: Params, proof: VerifiedDpopProof | undefined): string | undefined {
  const jkt = optional(params, 'dpop_jkt');
  if (jkt !== undefined && !THUMBPRINT.test(jkt)) throw new OAuthError('invalid_request', 'dpop_jkt must be a base64url SHA-256 JWK thumbprint');
  if (jkt !== undefined && proof !== undefined && jkt !== proof.jkt) {
    throw new OAuthError('invalid_dpop_proof', 'dpop_jkt does not match the key of the DPoP proof');
  }
  return jkt ?? proof?.jkt;
}
