import { redirectUriProblem } from '../clients/client.js';
import { type Params, required } from '../common/form.js';
import { invalidRequest } from '../errors/oauth-error.js';
import { fapi2RedirectUriProblem } from '../fapi2-profile.js';
import type { CheckContext } from './authorization-request.js';

/**
 * RFC 6749 §3.1.2.3 / RFC 9700 §2.1: `redirect_uri` is required and must equal a registered one
 * exactly. RFC 9126 §2.4: when `allowUnregisteredRedirectUris` is on, a client that authenticated with
 * credentials may push an unregistered one; a public client never may (§7.2). Errors are
 * `invalid_request` (RFC 9126 §2.3), and are never redirected. Under the fapi2 profile, no http
 * redirect_uri except on a loopback IP address (FAPI 2.0 §5.3.2.2-8): an unregistered one is refused
 * here, and so is a registered one from a custom ClientRegistry (a static list is checked at boot).
 */
export function checkRedirectUri(params: Params, { client, options, credentialed }: CheckContext): string {
  const redirectUri = required(params, 'redirect_uri');
  const fapi2Problem = options.profile === 'fapi2' ? fapi2RedirectUriProblem(redirectUri) : undefined;
  if (client.redirectUris.includes(redirectUri)) {
    if (fapi2Problem) throw invalidRequest(`redirect_uri ${fapi2Problem}`);
    return redirectUri;
  }
  if (options.allowUnregisteredRedirectUris && credentialed) {
    const problem = redirectUriProblem(redirectUri) ?? fapi2Problem;
    if (problem) throw invalidRequest(`redirect_uri ${problem}`);
    return redirectUri;
  }
  throw invalidRequest('redirect_uri is not registered for this client');
}
