import type { OAuthError } from '../../errors/oauth-error.js';

/**
 * The authorization response URL (RFC 6749 §4.1.2) with `iss` (RFC 9207 §2): the redirect_uri's own
 * query is kept, the response parameters are added to it.
 */
export function successRedirect(redirectUri: string, issuer: string, code: string, state: string | undefined): string {
  return withParams(redirectUri, { code, ...(state !== undefined && { state }), iss: issuer });
}

/** The error response URL (RFC 6749 §4.1.2.1), also with `state` and `iss` (RFC 9207 §2). */
export function errorRedirect(redirectUri: string, issuer: string, error: OAuthError, state: string | undefined): string {
  return withParams(redirectUri, {
    error: error.error,
    error_description: error.description,
    ...(state !== undefined && { state }),
    iss: issuer,
  });
}

function withParams(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  for (const [name, value] of Object.entries(params)) url.searchParams.append(name, value);
  return url.href;
}
