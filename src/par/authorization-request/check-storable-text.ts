import { invalidRequest } from '../errors/oauth-error.js';
import type { AuthorizationRequest } from './authorization-request.js';

/** U+0000, or a UTF-16 surrogate without its partner. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * No parameter of an authorization request may hold U+0000 or a lone surrogate, in its text or in any
 * string or member name of its JSON (`claims`, `authorization_details`, request object claims): no
 * OAuth or OIDC parameter's syntax admits them (RFC 6749 Appendix A allows no control characters), and
 * PostgreSQL can store neither in `jsonb`, where the request is kept. Refused as `invalid_request`
 * rather than failing the insert.
 * @see https://www.rfc-editor.org/rfc/rfc6749#appendix-A
 */
export function checkStorableText(request: AuthorizationRequest): void {
  for (const [name, value] of Object.entries(request)) {
    if (!storable(value)) throw invalidRequest(`${name} must not contain NUL (U+0000) or unpaired surrogate characters`);
  }
}

function storable(value: unknown): boolean {
  if (typeof value === 'string') return !UNSTORABLE.test(value);
  if (Array.isArray(value)) return value.every(storable);
  if (typeof value === 'object' && value !== null) return Object.entries(value).every(([key, member]) => !UNSTORABLE.test(key) && storable(member));
  return true;
}
