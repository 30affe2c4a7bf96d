import { redirectUriProblem } from '../clients/client.js';
import { type Params, required } from '../common/form.js';
import { invalidRequest } from '../errors/oauth-error.js';
import type { CheckContext } from './authorization-request.js';

/**
 * RFC 6749 §3.1.2.3 / RFC 9700 §2.1: `redirect_uri` is required and must equal a registered one
 * exactly. RFC 9126 §2.4: when `allowUnregisteredRedirectUris` is on, a client that authenticated with
 * credentials may push an unregistered one; a public client never may (§7.2). Errors are
 * `invalid_request` (RFC 9126 §2.3), and are never redirected.
 */
export function checkRedirectUri(params: Params, { client, options, credentialed }: CheckContext): string {
  const redirectUri = required(params, 'redirect_uri');
  if (client.redirectUris.includes(redirectUri)) return redirectUri;
  if (options.allowUnregisteredRedirectUris && credentialed) {
    const problem = redirectUriProblem(redirectUri);
    if (problem) throw invalidRequest(`redirect_uri ${problem}`);
    return redirectUri;
  }
  throw invalidRequest('redirect_uri is not registered for this client');
}
