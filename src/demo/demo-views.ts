import type { InteractionDetails } from '../par/index.js';
import { escapeHtml } from '../par/common/html.js';
import type { DemoUser } from './demo-users.js';
import { describeDetail } from './demo-authorization-details.js';

const SCOPE_WORDS: Record<string, string> = {
  openid: 'Sign you in with your account identifier',
  profile: 'See your name and basic profile',
  email: 'See your email address',
  address: 'See your postal address',
  phone: 'See your phone number',
  offline_access: 'Keep access while you are away (refresh tokens)',
  'api:read': 'Read your data in the demo API',
};

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}
label{display:block;margin:.75rem 0 .25rem}input[type=text],input[type=password]{width:100%;padding:.5rem;font-size:1rem}
button{margin:1rem .5rem 0 0;padding:.5rem 1.25rem;font-size:1rem}.error{color:#b00020}li{margin:.25rem 0}</style>
</head><body>${body}</body></html>`;
}

function clientName(details: InteractionDetails): string {
  return escapeHtml(details.client.clientName ?? details.client.clientId);
}

/** The login form (username and password), CSRF-protected. */
export function loginPage(details: InteractionDetails, csrf: string, error?: string): string {
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
<p><strong>${clientName(details)}</strong> wants you to sign in.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(details.uid)}/login">
<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" value="${escapeHtml(details.loginHint ?? '')}" required>
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
  );
}

/** The consent page: who asks, for what, in plain words; Approve first, then Deny. */
export function consentPage(details: InteractionDetails, user: DemoUser, csrf: string): string {
  // RFC 9396 §3.1: scopes and authorization details are consented to together, as one list.
  const scopes = [
    ...details.scopes.map((scope) => SCOPE_WORDS[scope] ?? `Use the "${scope}" permission`),
    ...details.authorizationDetails.map((detail) => describeDetail(detail)),
  ]
    .map((line) => `<li>${escapeHtml(line)}</li>`)
    .join('\n');
  return layout(
    'Allow access',
    `<h1>Allow access?</h1>
<p>Signed in as <strong>${escapeHtml(user.name)}</strong>.</p>
<p><strong>${clientName(details)}</strong> asks to:</p>
<ul>${scopes || '<li>Sign you in</li>'}</ul>
<form method="post" action="/interaction/${escapeHtml(details.uid)}/consent">
<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}
