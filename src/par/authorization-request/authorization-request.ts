import type { Client } from '../clients/client.js';
import type { ResolvedParOptions } from '../par.options.js';

/**
 * A validated, normalised authorization request: what /par stores (as jsonb) and what /authorize
 * continues with. Wire names, as in RFC 6749 §4.1.1, RFC 7636 §4.3 and OIDC Core §3.1.2.1.
 */
export interface AuthorizationRequest {
  client_id: string;
  response_type: 'code';
  redirect_uri: string;
  /** Granted-to-be scopes, space-separated, deduplicated ('' when none was asked for). */
  scope: string;
  code_challenge: string;
  code_challenge_method: 'S256';
  state?: string;
  nonce?: string;
  response_mode?: 'query';
  prompt?: string;
  max_age?: number;
  login_hint?: string;
  acr_values?: string;
  ui_locales?: string;
  resource?: string;
  /** RFC 9396 §2: validated authorization details. */
  authorization_details?: AuthorizationDetail[];
  /** OIDC Core §5.5: the validated `claims` request (with OIDC IDA `verified_claims`). */
  claims?: ClaimsRequest;
}

/** One RFC 9396 authorization detail: an object with a string `type`, the rest defined by the type. */
export interface AuthorizationDetail {
  type: string;
  [field: string]: unknown;
}

/** OIDC Core §5.5 claims request: per target, claim name → null or `{ essential, value, values }` (or IDA `verified_claims`). */
export interface ClaimsRequest {
  userinfo?: Record<string, unknown>;
  id_token?: Record<string, unknown>;
}

/** What the checks know besides the parameters. */
export interface CheckContext {
  readonly client: Client;
  readonly options: ResolvedParOptions;
  /** True when the client proved possession of credentials in this request (not `none`). */
  readonly credentialed: boolean;
}
