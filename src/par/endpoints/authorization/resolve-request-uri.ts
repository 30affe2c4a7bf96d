import { OAuthError } from '../../errors/oauth-error.js';
import { REQUEST_URI_PREFIX } from '../pushed-authorization/pushed-authorization.service.js';

const REFERENCE = /^[A-Za-z0-9_-]{43}$/;

/**
 * RFC 9126 §4: a request_uri that cannot be used (malformed, unknown, expired, used, another client's,
 * or used up meanwhile by another tab). One answer for all, so that it tells nothing about which.
 */
export function unusableRequestUri(): OAuthError {
  return new OAuthError('invalid_request_uri', 'request_uri is unknown, expired or already used');
}

/**
 * RFC 9126 §4 / RFC 9101 §5.2: a request_uri must be one this server issued at its PAR endpoint.
 * Anything else is `request_uri_not_supported` (we do not fetch request objects by reference); one of
 * ours that is malformed is `invalid_request_uri`. Returns the random reference.
 */
export function resolveRequestUri(requestUri: string): string {
  if (!requestUri.startsWith(REQUEST_URI_PREFIX)) {
    throw new OAuthError('request_uri_not_supported', 'only request_uri values issued by the pushed authorization request endpoint are supported');
  }
  const reference = requestUri.slice(REQUEST_URI_PREFIX.length);
  if (!REFERENCE.test(reference)) throw unusableRequestUri();
  return reference;
}
