import type { Client } from '../clients/client.js';
import type { ClientsService } from '../clients/clients.service.js';
import { type Params, required } from '../common/form.js';
import { invalidRequest } from '../errors/oauth-error.js';

/**
 * RFC 6749 §4.1.1 / RFC 9101 §5: `client_id` is required at the authorization endpoint and must name a
 * registered client. Never redirected (§4.1.2.1): without a valid client there is no trusted redirect_uri.
 */
export async function checkClientId(params: Params, clients: ClientsService): Promise<Client> {
  const clientId = required(params, 'client_id');
  const client = await clients.find(clientId);
  if (client === undefined) throw invalidRequest('client_id is not a registered client');
  return client;
}
