import { Inject, Injectable } from '@nestjs/common';
import type { AuthenticatedClient } from '../../../clients/client-authentication.service.js';
import type { AuthorizationGrant } from '../../../codes/authorization-grant.js';
import { type Params, required } from '../../../common/form.js';
import { randomToken, sha256 } from '../../../common/secrets.js';
import { OAuthError } from '../../../errors/oauth-error.js';
import { PAR_OPTIONS } from '../../../par.constants.js';
import type { ResolvedParOptions } from '../../../par.options.js';
import { ParEvents } from '../../../observability/par-events.service.js';
import { type RedeemedCode, TokenStore } from '../../../persistence/token-stores.js';
import type { VerifiedDpopProof } from '../../../dpop/dpop-proof.js';
import { checkCodeVerifier } from '../check-code-verifier.js';
import { checkDpopBinding } from '../check-dpop-binding.js';
import { checkRequestedAuthorizationDetails } from '../check-requested-authorization-details.js';
import { TokenIssuer } from '../token-issuer.js';
import type { TokenResponse } from '../token-response.js';
import type { GrantHandler } from './grant-handler.js';

const INVALID_CODE = 'the authorization code is invalid, expired or already used';

/**
 * `authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6, RFC 9700 §2.1.1): the code is consumed
 * atomically, once; it must be this client's, unexpired, sent with the same redirect_uri, and its PKCE
 * verifier must match. A replayed code is refused and revokes what was issued from it (§4.1.2).
 */
@Injectable()
export class AuthorizationCodeGrant implements GrantHandler {
  readonly grantType = 'authorization_code';

  constructor(
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    private readonly store: TokenStore,
    private readonly issuer: TokenIssuer,
    private readonly events: ParEvents,
  ) {}

  async exchange({ client }: AuthenticatedClient, params: Params, proof: VerifiedDpopProof | undefined): Promise<TokenResponse> {
    const code = required(params, 'code');
    const now = this.options.clock.now();
    // Offered to the redemption, which stores it in the same statement when the grant may have one.
    const refreshToken = client.grantTypes.has('refresh_token') ? randomToken(32) : undefined;
    const refreshTokenHash = refreshToken === undefined ? undefined : sha256(refreshToken);
    const redemption = await this.store.redeemCode(
      sha256(code),
      new Date(now),
      refreshTokenHash === undefined
        ? undefined
        : {
        tokenHash: refreshTokenHash,
        clientId: client.id,
        expiresAt: new Date(now + this.options.refreshTokenTtl * 1000),
        // RFC 9449 §5: a public client's refresh token is bound to the key of its proof.
        dpopJkt: client.authMethod === 'none' ? proof?.jkt : undefined,
      },
    );
    if (redemption.kind === 'replayed') {
      await this.store.revokeGrant(redemption.grantId, this.issuer.revocationHorizon(now), new Date(now));
      this.events.emit({ type: 'code.replay_detected', clientId: client.id, grantId: redemption.grantId });
      this.events.emit({ type: 'tokens.revoked', clientId: client.id, reason: 'code_replay', revoked: 'grant', grantId: redemption.grantId });
      throw new OAuthError('invalid_grant', INVALID_CODE);
    }
    if (redemption.kind === 'unknown') throw new OAuthError('invalid_grant', INVALID_CODE);
    const { code: redeemed } = redemption;
    try {
      return await this.respond(client, params, proof, redeemed, now, redeemed.refreshTokenStored ? refreshToken : undefined);
    } catch (error) {
      // The response failed a check: the refresh token stored with the redemption is never sent.
      if (redeemed.refreshTokenStored && refreshTokenHash !== undefined) await this.store.discardRefreshToken(refreshTokenHash).catch(() => undefined);
      throw error;
    }
  }

  private async respond(
    client: AuthenticatedClient['client'],
    params: Params,
    proof: VerifiedDpopProof | undefined,
    redeemed: RedeemedCode,
    now: number,
    refreshToken: string | undefined,
  ): Promise<TokenResponse> {
    if (redeemed.clientId !== client.id) throw new OAuthError('invalid_grant', 'the authorization code was issued to another client');
    if (redeemed.expiresAt.getTime() <= now) throw new OAuthError('invalid_grant', INVALID_CODE);
    const grant = redeemed.grant as unknown as AuthorizationGrant;
    if (required(params, 'redirect_uri') !== grant.redirect_uri) {
      throw new OAuthError('invalid_grant', 'redirect_uri does not match the authorization request');
    }
    checkCodeVerifier(params, grant.code_challenge);
    const dpopJkt = checkDpopBinding(grant.dpop_jkt, proof, 'authorization code');
    const authorizationDetails = checkRequestedAuthorizationDetails(params, grant.authorization_details, { client, options: this.options });
    return this.issuer.respond(
      client,
      redeemed.grantId,
      {
        sub: grant.sub,
        scope: grant.scope,
        auth_time: grant.auth_time,
        acr: grant.acr,
        amr: grant.amr,
        resource: grant.resource,
        ...(grant.authorization_details !== undefined && { authorization_details: grant.authorization_details }),
        ...(grant.claims !== undefined && { claims: grant.claims }),
      },
      now,
      { grantType: this.grantType, nonce: grant.nonce, refreshToken, authorizationDetails, dpopJkt },
    );
  }
}
