// RFC 9126 §3 / RFC 9101 §5: a request object's `client_id` claim is required and equals the client that authenticated the push.
import type { Client } from '../../clients/client.js';
import { invalidRequestObject } from '../../errors/oauth-error.js';
import type { RequestObjectClaims } from './request-object-payload.js';

/**
 * Refuses a request object without a `client_id` claim, or made for another client than the one that
 * authenticated: `invalid_request_object`.
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-3
 */
export function checkRequestObjectClientId(claims: RequestObjectClaims, client: Client): void {
  const clientId = claims.client_id;
  if (clientId === undefined) throw invalidRequestObject('request object client_id is required');
  if (clientId !== client.id) throw invalidRequestObject('request object client_id does not match the authenticated client');
}
