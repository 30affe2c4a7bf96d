import { type Params, required } from '../common/form.js';
import { unauthorizedClient, unsupportedResponseType } from '../errors/oauth-error.js';
import type { CheckContext } from './authorization-request.js';

/**
 * RFC 6749 §4.1.1 / §3.1.1: `response_type` is required, and only `code` is supported (FAPI 2.0
 * §5.3.2.2-1); the client must be registered for it and for the authorization_code grant.
 */
export function checkResponseType(params: Params, { client }: CheckContext): 'code' {
  const responseType = required(params, 'response_type');
  if (responseType !== 'code') throw unsupportedResponseType('only response_type=code is supported');
  if (!client.responseTypes.has('code') || !client.grantTypes.has('authorization_code')) {
    throw unauthorizedClient('the client is not registered for the authorization code flow');
  }
  return 'code';
}
