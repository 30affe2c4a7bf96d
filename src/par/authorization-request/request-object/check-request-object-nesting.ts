// RFC 9101 §4 (and RFC 9126 §3): a request object must not contain `request` or `request_uri`.
import { invalidRequestObject } from '../../errors/oauth-error.js';
import type { RequestObjectClaims } from './request-object-payload.js';

/**
 * Refuses a request object that nests another request, by value or by reference: `invalid_request_object`
 * (what the conformance suite expects of a `request_uri` inside a pushed request object).
 * @see https://www.rfc-editor.org/rfc/rfc9101#section-4
 */
export function checkRequestObjectNesting(claims: RequestObjectClaims): void {
  if (Object.hasOwn(claims, 'request') || Object.hasOwn(claims, 'request_uri')) {
    throw invalidRequestObject('request object must not contain request or request_uri');
  }
}
