import type { AuthenticatedClient } from '../../../clients/client-authentication.service.js';
import type { Params } from '../../../common/form.js';
import type { TokenResponse } from '../token-response.js';

/** One grant type of the token endpoint (RFC 6749 §4). */
export interface GrantHandler {
  readonly grantType: string;
  exchange(authenticated: AuthenticatedClient, params: Params): Promise<TokenResponse>;
}
