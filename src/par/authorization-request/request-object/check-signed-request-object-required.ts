// RFC 9126 §2.3 with RFC 9101 §10.5: where the server or the client requires signed request objects, a push without `request` is `invalid_request`.
import type { Client } from '../../clients/client.js';
import { invalidRequest } from '../../errors/oauth-error.js';
import type { ResolvedParOptions } from '../../par.options.js';

/**
 * Whether signed request objects are required of `client`: by the `requireSignedRequestObject` option or
 * by the client's `require_signed_request_object` registration.
 * @see https://www.rfc-editor.org/rfc/rfc9101#section-10.5
 */
export function signedRequestObjectRequired(client: Client, options: ResolvedParOptions): boolean {
  return options.requireSignedRequestObject || client.requireSignedRequestObject;
}

/**
 * Refuses an authorization request that carries no request object when one is required: 400
 * `invalid_request` (RFC 9126 §2.3 names that code, not `invalid_request_object`).
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2.3
 */
export function checkSignedRequestObjectRequired(client: Client, options: ResolvedParOptions): void {
  if (signedRequestObjectRequired(client, options)) {
    throw invalidRequest('a signed request object (request) is required for this client');
  }
}
