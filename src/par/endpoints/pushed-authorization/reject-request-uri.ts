import type { Params } from '../../common/form.js';
import { invalidRequest } from '../../errors/oauth-error.js';

/**
 * RFC 9126 §2.1 step 2: a pushed request MUST NOT carry `request_uri` (`invalid_request`). A request
 * object by value (`request`) is allowed (§3) and checked in the next step.
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2.1
 */
export function rejectRequestUri(params: Params): void {
  if (params.has('request_uri')) throw invalidRequest('request_uri must not be used at the pushed authorization request endpoint');
}
