// RFC 9101 §4 (FAPI 2.0 Message Signing): a request object's `aud` is the issuer identifier, as a string or in an array; an endpoint URL is not accepted.
import { invalidRequestObject } from '../../errors/oauth-error.js';
import type { RequestObjectClaims } from './request-object-payload.js';

/**
 * Refuses a request object not addressed to this server: `aud` must be the issuer identifier, or an
 * array containing it (other members are allowed, as the conformance suite's "multiple aud" test
 * expects). The PAR or token endpoint URL is not the issuer and is refused: `invalid_request_object`.
 * @see https://www.rfc-editor.org/rfc/rfc9101#section-4
 */
export function checkRequestObjectAudience(claims: RequestObjectClaims, issuer: string): void {
  const aud = claims.aud;
  const accepted = aud === issuer || (Array.isArray(aud) && aud.includes(issuer));
  if (!accepted) throw invalidRequestObject('request object aud must be the issuer identifier');
}
