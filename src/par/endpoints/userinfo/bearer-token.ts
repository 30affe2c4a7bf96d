import type { Request } from 'express';
import { optional, readFormBody } from '../../common/form.js';
import { OAuthError, type OAuthErrorCode } from '../../errors/oauth-error.js';

/** RFC 6750 §2.1 b64token. */
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * No access token was presented (RFC 6750 §3.1): the answer is a bare `WWW-Authenticate: Bearer`
 * challenge, without an error code.
 */
export class BearerTokenMissing extends Error {
  constructor() {
    super('no access token');
    this.name = 'BearerTokenMissing';
  }
}

/**
 * An RFC 6750 §3 error: the JSON body of RFC 6749 §5.2 plus the `WWW-Authenticate: Bearer` challenge
 * naming the error (and, for `insufficient_scope`, the scope needed).
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function bearerError(realm: string, error: OAuthErrorCode, description: string, status: number, scope?: string): OAuthError {
  const params = [`realm="${realm}"`, `error="${error}"`, `error_description="${description}"`];
  if (scope !== undefined) params.push(`scope="${scope}"`);
  return new OAuthError(error, description, status, { 'WWW-Authenticate': `Bearer ${params.join(', ')}` });
}

/**
 * RFC 6750 §2: the access token from `Authorization: Bearer` (§2.1) or, in a form-encoded POST, from
 * the `access_token` body parameter (§2.2). Using both is `invalid_request` (§2: "MUST NOT use more
 * than one method"), as is a malformed Bearer header; none is {@link BearerTokenMissing}. Another
 * authentication scheme counts as no token (§3.1).
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2
 */
export function readBearerToken(req: Request, realm: string): string {
  const header = req.headers.authorization;
  let fromHeader: string | undefined;
  if (header !== undefined && /^bearer(\s|$)/i.test(header)) {
    fromHeader = BEARER.exec(header)?.[1];
    if (fromHeader === undefined) throw bearerError(realm, 'invalid_request', 'the Authorization header must be Bearer and the access token', 400);
  }
  let fromBody: string | undefined;
  if (req.method === 'POST' && req.is('application/x-www-form-urlencoded')) {
    try {
      fromBody = optional(readFormBody(req), 'access_token');
    } catch (error) {
      if (error instanceof OAuthError) throw bearerError(realm, 'invalid_request', error.description, 400);
      throw error;
    }
  }
  if (fromHeader !== undefined && fromBody !== undefined) throw bearerError(realm, 'invalid_request', 'the access token must be sent in one way only', 400);
  const token = fromHeader ?? fromBody;
  if (token === undefined) throw new BearerTokenMissing();
  return token;
}
