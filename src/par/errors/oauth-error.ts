/**
 * Error codes this server answers with: RFC 6749 §4.1.2.1 and §5.2, RFC 9101 §7 (JAR), RFC 9126 §2.3,
 * RFC 9396 §5 (RAR), RFC 9449 §12.2 (DPoP), RFC 6750 §3.1 and OIDC Core §3.1.2.6.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_request_uri'
  | 'invalid_request_object'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'invalid_authorization_details'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  | 'account_selection_required'
  | 'invalid_token'
  | 'insufficient_scope';

/**
 * A protocol failure, rendered by {@link OAuthExceptionFilter} as RFC 6749 §5.2 JSON.
 * `description` goes to the client verbatim: it must never contain a secret or a stack trace.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status: number = 400,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
  }

  /** The RFC 6749 §5.2 body. */
  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

/** 400 `invalid_request`: a missing, duplicated, malformed or unsupported parameter. */
export const invalidRequest = (description: string): OAuthError => new OAuthError('invalid_request', description);

/** 400 `invalid_scope`. */
export const invalidScope = (description: string): OAuthError => new OAuthError('invalid_scope', description);

/** 400 `unauthorized_client`. */
export const unauthorizedClient = (description: string): OAuthError =>
  new OAuthError('unauthorized_client', description);

/** 400 `unsupported_response_type`. */
export const unsupportedResponseType = (description: string): OAuthError =>
  new OAuthError('unsupported_response_type', description);

/**
 * 400 `invalid_request_object`: the request object is invalid (RFC 9101 §7, §6.2; RFC 9126 §2.3).
 * @see https://www.rfc-editor.org/rfc/rfc9101#section-7
 */
export const invalidRequestObject = (description: string): OAuthError => new OAuthError('invalid_request_object', description);

/**
 * 401 `invalid_client` (RFC 6749 §5.2). When the client tried HTTP Basic, the answer carries a
 * `WWW-Authenticate: Basic` challenge, as the RFC requires.
 */
export const invalidClient = (description: string, usedBasic = false): OAuthError =>
  new OAuthError(
    'invalid_client',
    description,
    401,
    usedBasic ? { 'WWW-Authenticate': 'Basic realm="oauth", charset="UTF-8"' } : {},
  );
