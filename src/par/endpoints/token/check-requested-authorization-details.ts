import { notContained } from '../../authorization-details/authorization-details.js';
import type { AuthorizationDetail } from '../../authorization-request/authorization-request.js';
import { parseAuthorizationDetails } from '../../authorization-request/check-authorization-details.js';
import type { CheckContext } from '../../authorization-request/authorization-request.js';
import { optional, type Params } from '../../common/form.js';
import { OAuthError } from '../../errors/oauth-error.js';

/**
 * RFC 9396 §6.1: a token request may carry `authorization_details` to ask for a subset of what was
 * granted; anything the grant does not hold is `invalid_authorization_details`. Without the parameter,
 * the token gets everything granted.
 */
export function checkRequestedAuthorizationDetails(
  params: Params,
  granted: readonly AuthorizationDetail[] | undefined,
  context: Pick<CheckContext, 'client' | 'options'>,
): AuthorizationDetail[] | undefined {
  const text = optional(params, 'authorization_details');
  if (text === undefined) return granted === undefined ? undefined : [...granted];
  const requested = parseAuthorizationDetails(text, context);
  if (notContained(requested, granted ?? []).length > 0) {
    throw new OAuthError('invalid_authorization_details', 'authorization_details asks for more than was granted');
  }
  return requested;
}
