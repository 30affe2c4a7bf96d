import { Inject, Injectable } from '@nestjs/common';
import type { AuthorizationDetail, ClaimsRequest } from '../../authorization-request/authorization-request.js';
import type { Client } from '../../clients/client.js';
import { randomToken, sha256 } from '../../common/secrets.js';
import { PAR_OPTIONS } from '../../par.constants.js';
import type { ResolvedParOptions } from '../../par.options.js';
import { TokenStore } from '../../persistence/token-stores.js';
import { ParEvents } from '../../observability/par-events.service.js';
import { TokenService } from '../../tokens/token.service.js';
import type { TokenResponse } from './token-response.js';

/** What the user granted, as refresh tokens keep it (wire names). */
export interface StoredGrant {
  sub: string;
  scope: string;
  auth_time?: number;
  acr?: string;
  amr?: string[];
  resource?: string;
  authorization_details?: AuthorizationDetail[];
  /** OIDC Core §5.5: the claims request, for the ID token and (through the access token) UserInfo. */
  claims?: ClaimsRequest;
  /** RFC 9449 §5: the DPoP key a public client's refresh token is bound to. */
  dpop_jkt?: string;
}

/**
 * Builds token responses for a grant: the access token, the ID token when `openid` was granted, and a
 * refresh token when the client may have one (the refresh_token grant, and `offline_access` for OIDC).
 */
@Injectable()
export class TokenIssuer {
  constructor(
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    private readonly tokens: TokenService,
    private readonly store: TokenStore,
    private readonly events: ParEvents,
  ) {}

  /** The token response of `grantType` for `grant` (a refresh token given in `extras` is already stored); reported as `token.issued`. */
  async respond(client: Client, grantId: string, grant: StoredGrant, now: number, extras: { grantType: string; nonce?: string; refreshToken?: string; authorizationDetails?: AuthorizationDetail[]; dpopJkt?: string }): Promise<TokenResponse> {
    const scopes = grant.scope.split(' ').filter(Boolean);
    const access = await this.tokens.accessToken(
      {
        sub: grant.sub,
        clientId: client.id,
        scope: grant.scope,
        grantId,
        resource: grant.resource,
        authTime: grant.auth_time,
        acr: grant.acr,
        authorizationDetails: extras.authorizationDetails ?? grant.authorization_details,
        userinfoClaims: grant.claims?.userinfo,
        jkt: extras.dpopJkt,
      },
      now,
    );
    const details = extras.authorizationDetails ?? grant.authorization_details;
    const response: TokenResponse = {
      access_token: access.token,
      token_type: extras.dpopJkt === undefined ? 'Bearer' : 'DPoP',
      expires_in: access.expiresIn,
      ...(grant.scope !== '' && { scope: grant.scope }),
      ...(details !== undefined && { authorization_details: details }),
    };
    if (scopes.includes('openid') && grant.auth_time !== undefined) {
      response.id_token = await this.tokens.idToken(
        { sub: grant.sub, clientId: client.id, scope: grant.scope, authTime: grant.auth_time, nonce: extras.nonce, acr: grant.acr, amr: grant.amr, claims: grant.claims },
        now,
      );
    }
    if (extras.refreshToken !== undefined) response.refresh_token = extras.refreshToken;
    this.events.emit({
      type: 'token.issued',
      clientId: client.id,
      grantType: extras.grantType,
      subject: grant.sub,
      grantId,
      scope: grant.scope,
      tokenType: response.token_type,
      idToken: response.id_token !== undefined,
      refreshToken: response.refresh_token !== undefined,
    });
    return response;
  }

  /** How long a revocation must be remembered to outlive every token of a grant. */
  revocationHorizon(now: number): Date {
    return new Date(now + Math.max(this.options.accessTokenTtl, this.options.refreshTokenTtl, this.options.idTokenTtl) * 1000);
  }
}
