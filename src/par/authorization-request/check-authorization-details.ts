import { OAuthError } from '../errors/oauth-error.js';
import { optional, type Params } from '../common/form.js';
import { validateDetail } from '../authorization-details/authorization-details.js';
import type { AuthorizationDetail, CheckContext } from './authorization-request.js';

const invalid = (description: string): OAuthError => new OAuthError('invalid_authorization_details', description);

/**
 * RFC 9396 §2, §5: `authorization_details` is a JSON array of objects, each with a string `type` that
 * the server knows (`authorizationDetailsTypes`) and the client may use (its
 * `authorization_details_types`), conforming to the type's definition; otherwise
 * `invalid_authorization_details`.
 */
export function parseAuthorizationDetails(text: string, { client, options }: Pick<CheckContext, 'client' | 'options'>): AuthorizationDetail[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('authorization_details is not valid JSON');
  }
  if (!Array.isArray(parsed)) throw invalid('authorization_details must be a JSON array');
  if (parsed.length === 0) throw invalid('authorization_details must not be empty');
  return parsed.map((detail: unknown, i) => {
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) throw invalid(`authorization_details[${i}] must be an object`);
    const type = (detail as { type?: unknown }).type;
    if (typeof type !== 'string' || type.length === 0) throw invalid(`authorization_details[${i}] must have a string type`);
    const validator = options.authorizationDetailsTypes[type];
    if (validator === undefined) throw invalid(`authorization_details[${i}] has an unknown type "${type.slice(0, 64)}"`);
    if (client.authorizationDetailsTypes !== undefined && !client.authorizationDetailsTypes.includes(type)) {
      throw invalid(`authorization_details[${i}]: the client may not use type "${type}"`);
    }
    const problem = validateDetail(validator, detail as AuthorizationDetail);
    if (problem !== undefined) throw invalid(`authorization_details[${i}] (${type}): ${problem}`);
    return detail as AuthorizationDetail;
  });
}

/** The authorization request's `authorization_details`, when present (RFC 9396 §3). */
export function checkAuthorizationDetails(params: Params, context: CheckContext): { authorization_details?: AuthorizationDetail[] } {
  const text = optional(params, 'authorization_details');
  return text === undefined ? {} : { authorization_details: parseAuthorizationDetails(text, context) };
}
