import { Inject, Injectable } from '@nestjs/common';
import { checkScope } from '../../../authorization-request/check-scope.js';
import type { AuthenticatedClient } from '../../../clients/client-authentication.service.js';
import type { Params } from '../../../common/form.js';
import type { VerifiedDpopProof } from '../../../dpop/dpop-proof.js';
import { randomToken } from '../../../common/secrets.js';
import { invalidScope, unauthorizedClient } from '../../../errors/oauth-error.js';
import { PAR_OPTIONS } from '../../../par.constants.js';
import type { ResolvedParOptions } from '../../../par.options.js';
import { TokenIssuer } from '../token-issuer.js';
import type { TokenResponse } from '../token-response.js';
import type { GrantHandler } from './grant-handler.js';

/** Scopes that only make sense with an end-user. */
const USER_SCOPES = new Set(['openid', 'offline_access']);

/**
 * `client_credentials` (RFC 6749 §4.4): confidential clients only (§4.4: "MUST only be used by
 * confidential clients"); the token's subject is the client; no refresh token (§4.4.3), no ID token.
 */
@Injectable()
export class ClientCredentialsGrant implements GrantHandler {
  readonly grantType = 'client_credentials';

  constructor(
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    private readonly issuer: TokenIssuer,
  ) {}

  async exchange({ client, method }: AuthenticatedClient, params: Params, proof: VerifiedDpopProof | undefined): Promise<TokenResponse> {
    if (method === 'none') throw unauthorizedClient('client_credentials is for confidential clients only');
    const scope = checkScope(params, { client, options: this.options, credentialed: true });
    const userScope = scope.split(' ').find((s) => USER_SCOPES.has(s));
    if (userScope !== undefined) throw invalidScope(`scope "${userScope}" needs an end-user`);
    const now = this.options.clock.now();
    return this.issuer.respond(client, randomToken(16), { sub: client.id, scope }, now, { grantType: this.grantType, dpopJkt: proof?.jkt });
  }
}

