// RFC 9101 §5, §6.1 (and RFC 9126 §3): a request object is a JWS in compact serialization; encrypted (JWE) objects are not supported here.
import { invalidRequestObject } from '../../errors/oauth-error.js';

/** base64url, as each part of a compact serialization is written (RFC 7515 §7.1). */
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Checks the shape of a request object before any key is touched: five parts is a JWE (RFC 7516 §7.1),
 * which this server cannot decrypt (it publishes no encryption keys), so it is refused by name; anything
 * but three base64url parts is not a compact JWS. `invalid_request_object` either way.
 * @see https://www.rfc-editor.org/rfc/rfc9101#section-6.1
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-7.1
 */
export function checkRequestObjectSerialization(requestObject: string): void {
  const parts = requestObject.split('.');
  if (parts.length === 5) throw invalidRequestObject('encrypted request objects are not supported');
  if (parts.length !== 3 || parts.some((part) => !BASE64URL.test(part))) {
    throw invalidRequestObject('request is not a JWS in compact serialization');
  }
}
