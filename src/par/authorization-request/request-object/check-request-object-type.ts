// RFC 9101 §4, §10.8 (with RFC 8725 §3.11): a request object's `typ` header, when present, is `oauth-authz-req+jwt` or `JWT`.
import type { ProtectedHeaderParameters } from 'jose';
import { invalidRequestObject } from '../../errors/oauth-error.js';

/** Accepted `typ` values, compared as RFC 7515 §4.1.9 says: case-insensitively, `application/` optional. */
const ACCEPTED_TYPES = new Set(['oauth-authz-req+jwt', 'jwt']);

/**
 * Refuses a request object explicitly typed as another kind of JWT (an access token, a logout token,
 * a client assertion...), so that one cannot be replayed as the other: `invalid_request_object`.
 * Objects without `typ` stay accepted (JAR §4 only recommends it).
 * @see https://www.rfc-editor.org/rfc/rfc9101#section-10.8
 */
export function checkRequestObjectType(header: ProtectedHeaderParameters): void {
  const typ = header.typ;
  if (typ === undefined) return;
  const normalized = typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : '';
  if (!ACCEPTED_TYPES.has(normalized)) throw invalidRequestObject('request object typ must be oauth-authz-req+jwt or JWT');
}
