import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { DpopService } from '../../dpop/dpop.service.js';
import { ClientAuthenticationService } from '../../clients/client-authentication.service.js';
import { type Params, required } from '../../common/form.js';
import { OAuthError, unauthorizedClient } from '../../errors/oauth-error.js';
import { ENDPOINT_PATHS, PAR_OPTIONS } from '../../par.constants.js';
import type { ResolvedParOptions } from '../../par.options.js';
import { AuthorizationCodeGrant } from './grants/authorization-code.grant.js';
import { ClientCredentialsGrant } from './grants/client-credentials.grant.js';
import type { GrantHandler } from './grants/grant-handler.js';
import { RefreshTokenGrant } from './grants/refresh-token.grant.js';
import { RateLimiter } from '../../rate-limits/rate-limiter.service.js';
import type { TokenResponse } from './token-response.js';

/**
 * The token endpoint (RFC 6749 §3.2): authenticate the client, then dispatch on `grant_type` to one
 * handler per grant; anything else is `unsupported_grant_type`.
 */
@Injectable()
export class TokenEndpointService {
  private readonly handlers: ReadonlyMap<string, GrantHandler>;
  private readonly endpointUrl: string;
  private readonly requireDpop: boolean;

  constructor(
    @Inject(PAR_OPTIONS) options: ResolvedParOptions,
    private readonly clientAuthentication: ClientAuthenticationService,
    private readonly dpop: DpopService,
    authorizationCode: AuthorizationCodeGrant,
    refreshToken: RefreshTokenGrant,
    clientCredentials: ClientCredentialsGrant,
    private readonly rateLimiter: RateLimiter,
  ) {
    this.handlers = new Map([authorizationCode, refreshToken, clientCredentials].map((handler) => [handler.grantType, handler]));
    this.endpointUrl = `${options.issuer}${ENDPOINT_PATHS.token}`;
    this.requireDpop = options.requireDpop;
  }

  async exchange(req: Request, params: Params): Promise<TokenResponse> {
    this.rateLimiter.checkAddress('token', req);
    const authenticated = await this.clientAuthentication.authenticate(req, params, { endpointUrl: this.endpointUrl, rateLimit: 'token' });
    const grantType = required(params, 'grant_type');
    const handler = this.handlers.get(grantType);
    if (handler === undefined) throw new OAuthError('unsupported_grant_type', `grant_type ${grantType.slice(0, 64)} is not supported`);
    if (!authenticated.client.grantTypes.has(grantType)) throw unauthorizedClient(`the client is not registered for the ${grantType} grant`);
    // RFC 9449 §5: a proof binds the tokens; it is required by policy or by the client's registration
    // (§5.2 dpop_bound_access_tokens); the grants check it against a bound code or refresh token.
    const proof = await this.dpop.proofOf(req, this.endpointUrl);
    if (proof === undefined && (this.requireDpop || authenticated.client.dpopBoundAccessTokens)) {
      throw new OAuthError('invalid_dpop_proof', 'a DPoP proof is required');
    }
    return handler.exchange(authenticated, params, proof);
  }
}
