import type { Params } from '../../common/form.js';
import type { RequestObjectClaims } from './request-object-payload.js';

/**
 * RFC 9101 §4, §5: the claims of a request object are the authorization request's parameters, and the
 * only ones used. They become {@link Params} for the shared checks, in wire form: strings as they are;
 * numbers (`max_age`) as decimal strings; booleans as `true` / `false`; objects and arrays
 * (`authorization_details`, `claims`) as JSON text, which those checks parse as they would a form value;
 * `null` as an absent parameter.
 * @see https://www.rfc-editor.org/rfc/rfc9101#section-5
 */
export function requestObjectParameters(claims: RequestObjectClaims): Params {
  const params = new Map<string, string>();
  for (const [name, value] of Object.entries(claims)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'string') params.set(name, value);
    else if (typeof value === 'number' || typeof value === 'boolean') params.set(name, String(value));
    else params.set(name, JSON.stringify(value));
  }
  return params;
}
