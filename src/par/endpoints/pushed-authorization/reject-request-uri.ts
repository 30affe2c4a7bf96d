import type { Params } from '../../common/form.js';
import { invalidRequest, OAuthError } from '../../errors/oauth-error.js';

/**
 * RFC 9126 §2.1 step 2: a pushed request MUST NOT carry `request_uri` (`invalid_request`).
 * Request objects (`request`, RFC 9126 §3) are not accepted yet: `request_not_supported` (RFC 9101 §7).
 */
export function rejectRequestUri(params: Params): void {
  if (params.has('request_uri')) throw invalidRequest('request_uri must not be used at the pushed authorization request endpoint');
  if (params.has('request')) throw new OAuthError('request_not_supported', 'request objects are not supported');
}
