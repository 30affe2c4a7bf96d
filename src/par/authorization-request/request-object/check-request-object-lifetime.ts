// RFC 9101 §4 with RFC 7519 §4.1.4, §4.1.5 (FAPI Message Signing): a request object carries `exp` and `nbf`, is valid now (give or take clockSkew), and lives at most 3600 seconds.
import { invalidRequestObject } from '../../errors/oauth-error.js';
import type { RequestObjectClaims } from './request-object-payload.js';

/** Longest accepted `exp − nbf`, in seconds (FAPI 1.0 Advanced §5.2.2-13, node-oidc-provider under FAPI). */
export const REQUEST_OBJECT_MAX_LIFETIME = 3600;

/** The window of a request object that passed {@link checkRequestObjectLifetime}. */
export interface RequestObjectWindow {
  /** `exp`, in seconds since the epoch. */
  readonly exp: number;
  readonly nbf: number;
}

/**
 * Refuses a request object without `exp` or `nbf` (NumericDates), one that has expired or is not yet
 * valid (each with `clockSkew` seconds of tolerance: an `nbf` 8 s ahead is accepted under the default
 * 10), and one whose `exp` is not after `nbf` or more than {@link REQUEST_OBJECT_MAX_LIFETIME} seconds
 * after it (which also refuses an `nbf` more than an hour in the past): `invalid_request_object`.
 * @see https://www.rfc-editor.org/rfc/rfc9101#section-4
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-4.1.4
 */
export function checkRequestObjectLifetime(claims: RequestObjectClaims, nowMs: number, clockSkew: number): RequestObjectWindow {
  const { exp, nbf } = claims;
  if (!isNumericDate(exp)) throw invalidRequestObject('request object exp is required and must be a NumericDate');
  if (!isNumericDate(nbf)) throw invalidRequestObject('request object nbf is required and must be a NumericDate');
  const now = nowMs / 1000;
  if (exp + clockSkew <= now) throw invalidRequestObject('request object has expired');
  if (nbf - clockSkew > now) throw invalidRequestObject('request object is not valid yet (nbf is in the future)');
  if (exp <= nbf) throw invalidRequestObject('request object exp must be after nbf');
  if (exp - nbf > REQUEST_OBJECT_MAX_LIFETIME) {
    throw invalidRequestObject(`request object lifetime (exp - nbf) must not exceed ${REQUEST_OBJECT_MAX_LIFETIME} seconds`);
  }
  return { exp, nbf };
}

/** RFC 7519 §2: a JSON number of seconds since the epoch (non-integer values allowed). */
function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
