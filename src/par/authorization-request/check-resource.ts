import { optional, type Params } from '../common/form.js';
import { OAuthError } from '../errors/oauth-error.js';

/**
 * RFC 8707 §2: `resource` is an absolute URI without a fragment; otherwise `invalid_target`-like
 * `invalid_request` (one resource per request here: a repeated parameter is refused as duplicated).
 */
export function checkResource(params: Params): { resource?: string } {
  const resource = optional(params, 'resource');
  if (resource === undefined) return {};
  let valid = false;
  try {
    valid = new URL(resource).protocol !== '' && !resource.includes('#');
  } catch {
    valid = false;
  }
  if (!valid) throw new OAuthError('invalid_request', 'resource must be an absolute URI without a fragment');
  return { resource };
}
