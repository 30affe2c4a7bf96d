import { optional, type Params } from '../common/form.js';
import { invalidRequest, invalidScope } from '../errors/oauth-error.js';
import type { CheckContext } from './authorization-request.js';

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * RFC 6749 §3.3: `scope` is a space-delimited list of tokens; each must be known to the server and,
 * when the client registered a `scope`, within it (`invalid_scope`). Returns them deduplicated.
 */
export function checkScope(params: Params, { client, options }: CheckContext): string {
  const scope = optional(params, 'scope');
  if (scope === undefined) return '';
  const tokens = scope.split(' ').filter((token) => token !== '');
  const unique: string[] = [];
  for (const token of tokens) {
    if (!SCOPE_TOKEN.test(token)) throw invalidRequest('scope contains characters not allowed by RFC 6749 §3.3');
    if (unique.includes(token)) continue;
    const allowed = client.scopes ? client.scopes.has(token) : options.scopesSupported.includes(token);
    if (!allowed) throw invalidScope(`scope "${token}" is not allowed for this client`);
    unique.push(token);
  }
  return unique.join(' ');
}
