import type { AuthorizationDetail } from '../../authorization-request/authorization-request.js';

/** RFC 6749 §5.1 (with OIDC Core §3.1.3.3) successful token response. */
export interface TokenResponse {
  access_token: string;
  /** `DPoP` when the access token is bound to a DPoP key (RFC 9449 §5). */
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  scope?: string;
  id_token?: string;
  refresh_token?: string;
  /** RFC 9396 §7: the authorization details granted to the access token. */
  authorization_details?: AuthorizationDetail[];
}
