// RFC 9126 §3 / RFC 9101 §4: a request object's `iss` is the client_id of the client that signed it (required here; the RFCs leave it to the server).
import type { Client } from '../../clients/client.js';
import { invalidRequestObject } from '../../errors/oauth-error.js';
import type { RequestObjectClaims } from './request-object-payload.js';

/**
 * Refuses a request object whose `iss` is missing or is not the authenticated client's id:
 * `invalid_request_object`.
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9101#section-4
 */
export function checkRequestObjectIssuer(claims: RequestObjectClaims, client: Client): void {
  if (claims.iss !== client.id) throw invalidRequestObject('request object iss must be the client_id');
}
