import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ClientAuthenticationService } from '../../clients/client-authentication.service.js';
import { type Params, required } from '../../common/form.js';
import { sha256 } from '../../common/secrets.js';
import { ParEvents } from '../../observability/par-events.service.js';
import { ENDPOINT_PATHS, PAR_OPTIONS } from '../../par.constants.js';
import type { ResolvedParOptions } from '../../par.options.js';
import { TokenStore } from '../../persistence/token-stores.js';
import { AccessTokenVerifier, InvalidAccessTokenError } from '../../tokens/access-token-verifier.js';

/**
 * Token revocation (RFC 7009): a client revokes its own tokens. A refresh token revokes its whole
 * grant (§2.1: the access tokens issued from it too); an access token is revoked by its jti. Unknown
 * tokens, and other clients' tokens, are answered like success (§2.2), so nothing is revealed.
 */
@Injectable()
export class RevocationService {
  private readonly endpointUrl: string;

  constructor(
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    private readonly clientAuthentication: ClientAuthenticationService,
    private readonly verifier: AccessTokenVerifier,
    private readonly store: TokenStore,
    private readonly events: ParEvents,
  ) {
    this.endpointUrl = `${options.issuer}${ENDPOINT_PATHS.revocation}`;
  }

  async revoke(req: Request, params: Params): Promise<void> {
    const { client } = await this.clientAuthentication.authenticate(req, params, { endpointUrl: this.endpointUrl });
    const token = required(params, 'token');
    const now = this.options.clock.now();
    if (token.split('.').length === 3) {
      try {
        const claims = await this.verifier.verify(token);
        if (claims.client_id === client.id) {
          await this.store.revokeAccessToken(claims.jti, new Date(claims.exp * 1000 + this.options.clockSkew * 1000));
          this.events.emit({ type: 'tokens.revoked', clientId: client.id, reason: 'revocation_request', revoked: 'access_token', subject: claims.sub });
        }
        return;
      } catch (error) {
        if (!(error instanceof InvalidAccessTokenError)) throw error;
        return;
      }
    }
    if (token.length > 512) return;
    const record = await this.store.findRefreshToken(sha256(token));
    if (record !== undefined && record.clientId === client.id) {
      const horizon = Math.max(record.expiresAt.getTime(), now + this.options.accessTokenTtl * 1000);
      await this.store.revokeGrant(record.grantId, new Date(horizon), new Date(now));
      const subject = (record.grant as { sub?: unknown }).sub;
      this.events.emit({
        type: 'tokens.revoked',
        clientId: client.id,
        reason: 'revocation_request',
        revoked: 'grant',
        grantId: record.grantId,
        ...(typeof subject === 'string' && { subject }),
      });
    }
  }
}
