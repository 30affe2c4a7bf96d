import { escapeHtml } from '../../common/html.js';
import type { OAuthError } from '../../errors/oauth-error.js';

/**
 * The page a browser sees when the authorization request cannot be sent back to the client (no
 * verified redirect_uri, RFC 6749 §4.1.2.1). Every value is escaped.
 */
export function errorPage(error: OAuthError): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorization error</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>This sign-in request cannot be completed</h1>
<p><code>${escapeHtml(error.error)}</code>: ${escapeHtml(error.description)}</p>
<p>Return to the application you came from and start again.</p></body></html>`;
}
