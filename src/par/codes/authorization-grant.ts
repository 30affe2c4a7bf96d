import type { AuthorizationDetail, ClaimsRequest } from '../authorization-request/authorization-request.js';

/**
 * What an authorization code stands for (stored as jsonb with the code's hash): the request's binding
 * (client, redirect_uri, PKCE, nonce) and what the user granted. Wire names, as the token endpoint and
 * tokens use them.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 */
export interface AuthorizationGrant {
  client_id: string;
  redirect_uri: string;
  /** Granted scopes, space-separated. */
  scope: string;
  code_challenge: string;
  code_challenge_method: 'S256';
  sub: string;
  /** Seconds since the epoch. */
  auth_time: number;
  nonce?: string;
  acr?: string;
  amr?: string[];
  resource?: string;
  max_age?: number;
  dpop_jkt?: string;
  /** RFC 9396: the granted authorization details. */
  authorization_details?: AuthorizationDetail[];
  /** OIDC Core §5.5: the request's `claims` parameter (its `id_token` and `userinfo` members). */
  claims?: ClaimsRequest;
}
