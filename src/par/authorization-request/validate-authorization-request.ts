import type { Params } from '../common/form.js';
import type { AuthorizationRequest, CheckContext } from './authorization-request.js';
import { checkAuthorizationDetails } from './check-authorization-details.js';
import { checkClaims } from './check-claims.js';
import { checkOidcParameters } from './check-oidc-parameters.js';
import { checkPkce } from './check-pkce.js';
import { checkRedirectUri } from './check-redirect-uri.js';
import { checkResource } from './check-resource.js';
import { checkResponseType } from './check-response-type.js';
import { checkScope } from './check-scope.js';
import { checkStorableText } from './check-storable-text.js';
import { checkStateAndNonce } from './check-state-nonce.js';

/**
 * Validates an authorization request: the same steps at /par (RFC 9126 §2.1 step 3) and at
 * /authorize (RFC 6749 §4.1.1), in this order. The redirect_uri comes first: until it is verified,
 * no error may be sent to it (RFC 6749 §4.1.2.1).
 */
export function validateAuthorizationRequest(params: Params, context: CheckContext): AuthorizationRequest {
  const redirect_uri = checkRedirectUri(params, context);
  return validateAfterRedirectUri(params, context, redirect_uri);
}

/** The steps after the redirect_uri is verified; their errors may be redirected to it. */
export function validateAfterRedirectUri(params: Params, context: CheckContext, redirect_uri: string): AuthorizationRequest {
  const response_type = checkResponseType(params, context);
  const scope = checkScope(params, context);
  const pkce = checkPkce(params);
  const stateAndNonce = checkStateAndNonce(params, context);
  const oidc = checkOidcParameters(params);
  const resource = checkResource(params);
  const authorizationDetails = checkAuthorizationDetails(params, context);
  const claims = checkClaims(params);
  const request: AuthorizationRequest = {
    client_id: context.client.id,
    response_type,
    redirect_uri,
    scope,
    ...pkce,
    ...stateAndNonce,
    ...oidc,
    ...resource,
    ...authorizationDetails,
    ...claims,
  };
  checkStorableText(request);
  return request;
}
