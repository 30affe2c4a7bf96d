import { optional, type Params } from '../common/form.js';
import { invalidRequest } from '../errors/oauth-error.js';
import type { AuthorizationRequest } from './authorization-request.js';

const PROMPT_VALUES = new Set(['none', 'login', 'consent', 'select_account']);
/** Bound on free-text hints that end up in the stored request. */
const MAX_HINT_LENGTH = 1024;

type OidcParameters = Pick<AuthorizationRequest, 'response_mode' | 'prompt' | 'max_age' | 'login_hint' | 'acr_values' | 'ui_locales'>;

/**
 * OIDC Core §3.1.2.1 optional parameters: `prompt` (known values; `none` alone), `max_age` (a
 * non-negative integer), `response_mode` (`query` only: codes are returned in the query, RFC 6749
 * §4.1.2), and bounded free-text hints.
 */
export function checkOidcParameters(params: Params): OidcParameters {
  const out: OidcParameters = {};
  const responseMode = optional(params, 'response_mode');
  if (responseMode !== undefined) {
    if (responseMode !== 'query') throw invalidRequest('response_mode must be query');
    out.response_mode = 'query';
  }
  const prompt = optional(params, 'prompt');
  if (prompt !== undefined) {
    const values = prompt.split(' ').filter(Boolean);
    if (values.length === 0 || values.some((v) => !PROMPT_VALUES.has(v))) throw invalidRequest('prompt has an unsupported value');
    if (values.includes('none') && values.length > 1) throw invalidRequest('prompt=none must not be combined with other values');
    out.prompt = [...new Set(values)].join(' ');
  }
  const maxAge = optional(params, 'max_age');
  if (maxAge !== undefined) {
    if (!/^\d{1,9}$/.test(maxAge)) throw invalidRequest('max_age must be a non-negative integer');
    out.max_age = Number(maxAge);
  }
  for (const name of ['login_hint', 'acr_values', 'ui_locales'] as const) {
    const value = optional(params, name);
    if (value === undefined) continue;
    if (value.length > MAX_HINT_LENGTH) throw invalidRequest(`${name} must not be longer than ${MAX_HINT_LENGTH} characters`);
    out[name] = value;
  }
  return out;
}
