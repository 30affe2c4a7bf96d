import type { OAuthError } from './oauth-error.js';

/**
 * An authorization error found after the client and its redirect_uri were verified: it goes back to
 * the client in the redirect (RFC 6749 §4.1.2.1), with `state` and `iss` (RFC 9207).
 */
export class RedirectableError extends Error {
  constructor(
    readonly oauthError: OAuthError,
    readonly redirectUri: string,
    readonly state: string | undefined,
  ) {
    super(oauthError.message);
    this.name = 'RedirectableError';
  }
}
