import { invalidRequestObject } from '../../errors/oauth-error.js';

/** The claims of a verified request object: authorization request parameters plus JWT claims (RFC 9101 §4). */
export type RequestObjectClaims = Readonly<Record<string, unknown>>;

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a verified request object's payload: a JWT Claims Set, i.e. UTF-8 JSON whose top level is an
 * object (RFC 7519 §7.2 step 10); anything else is `invalid_request_object`.
 * @see https://www.rfc-editor.org/rfc/rfc9101#section-4
 */
export function parseRequestObjectPayload(payload: Uint8Array): RequestObjectClaims {
  let claims: unknown;
  try {
    claims = JSON.parse(decoder.decode(payload));
  } catch {
    throw invalidRequestObject('request object payload is not JSON');
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw invalidRequestObject('request object payload is not a JSON object');
  }
  return claims as RequestObjectClaims;
}
