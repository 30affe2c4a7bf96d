import type { AuthenticatedClient } from '../../../clients/client-authentication.service.js';
import type { Params } from '../../../common/form.js';
import type { VerifiedDpopProof } from '../../../dpop/dpop-proof.js';
import type { TokenResponse } from '../token-response.js';

/** One grant type of the token endpoint (RFC 6749 §4). */
export interface GrantHandler {
  readonly grantType: string;
  /** `proof`: the request's verified DPoP proof (RFC 9449 §5), if it carried one. */
  exchange(authenticated: AuthenticatedClient, params: Params, proof: VerifiedDpopProof | undefined): Promise<TokenResponse>;
}
