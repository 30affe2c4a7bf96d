import { Inject, Injectable } from '@nestjs/common';
import type { AuthenticatedClient } from '../../../clients/client-authentication.service.js';
import { optional, type Params, required } from '../../../common/form.js';
import { randomToken, sha256 } from '../../../common/secrets.js';
import { OAuthError } from '../../../errors/oauth-error.js';
import { PAR_OPTIONS } from '../../../par.constants.js';
import type { ResolvedParOptions } from '../../../par.options.js';
import { ParEvents } from '../../../observability/par-events.service.js';
import { TokenStore } from '../../../persistence/token-stores.js';
import type { VerifiedDpopProof } from '../../../dpop/dpop-proof.js';
import { checkDpopBinding } from '../check-dpop-binding.js';
import { checkRequestedAuthorizationDetails } from '../check-requested-authorization-details.js';
import { TokenIssuer, type StoredGrant } from '../token-issuer.js';
import type { TokenResponse } from '../token-response.js';
import type { GrantHandler } from './grant-handler.js';

const INVALID = 'the refresh token is invalid, expired or revoked';

/**
 * `refresh_token` (RFC 6749 §6): bound to its client and grant; `scope` may only narrow (§6,
 * `invalid_scope`). Rotation (RFC 9700 §4.14.2) per `rotateRefreshTokens`: a rotated token is dead, and
 * presenting it again revokes the whole grant.
 */
@Injectable()
export class RefreshTokenGrant implements GrantHandler {
  readonly grantType = 'refresh_token';

  constructor(
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    private readonly store: TokenStore,
    private readonly issuer: TokenIssuer,
    private readonly events: ParEvents,
  ) {}

  async exchange({ client, method }: AuthenticatedClient, params: Params, proof: VerifiedDpopProof | undefined): Promise<TokenResponse> {
    const presented = required(params, 'refresh_token');
    const now = this.options.clock.now();
    const hash = sha256(presented);
    const record = await this.store.findRefreshToken(hash);
    if (record === undefined || record.clientId !== client.id) throw new OAuthError('invalid_grant', INVALID);
    if (record.consumedAt !== null) {
      // A rotated token came back: it was stolen, or the client is broken. Either way, end the grant.
      await this.revokeReplayed(client.id, record.grantId, (record.grant as unknown as StoredGrant).sub, now);
      throw new OAuthError('invalid_grant', INVALID);
    }
    if (record.revokedAt !== null || record.expiresAt.getTime() <= now) throw new OAuthError('invalid_grant', INVALID);
    if (await this.store.isGrantRevoked(record.grantId, new Date(now))) throw new OAuthError('invalid_grant', INVALID);
    const grant = record.grant as unknown as StoredGrant;
    const dpopJkt = checkDpopBinding(grant.dpop_jkt, proof, 'refresh token');
    const scope = narrowScope(optional(params, 'scope'), grant.scope);
    const authorizationDetails = checkRequestedAuthorizationDetails(params, grant.authorization_details, { client, options: this.options });
    const rotate = this.options.rotateRefreshTokens === 'always' || (this.options.rotateRefreshTokens === 'public' && method === 'none');
    let refreshToken = presented;
    if (rotate) {
      const next = randomToken(32);
      const rotated = await this.store.rotateRefreshToken(hash, { tokenHash: sha256(next), clientId: client.id, grantId: record.grantId, grant: { ...grant }, expiresAt: record.expiresAt }, new Date(now));
      if (rotated === undefined) {
        await this.revokeReplayed(client.id, record.grantId, grant.sub, now);
        throw new OAuthError('invalid_grant', INVALID);
      }
      refreshToken = next;
    }
    return this.issuer.respond(client, record.grantId, { ...grant, scope }, now, { grantType: this.grantType, refreshToken, authorizationDetails, dpopJkt });
  }

  /** RFC 9700 §4.14.2: a refresh token used twice revokes its grant. */
  private async revokeReplayed(clientId: string, grantId: string, subject: string, now: number): Promise<void> {
    await this.store.revokeGrant(grantId, this.issuer.revocationHorizon(now), new Date(now));
    this.events.emit({ type: 'tokens.revoked', clientId, reason: 'refresh_token_replay', revoked: 'grant', grantId, subject });
  }
}

/** RFC 6749 §6: the requested scope must not include any scope not originally granted. */
function narrowScope(requested: string | undefined, granted: string): string {
  if (requested === undefined) return granted;
  const allowed = new Set(granted.split(' '));
  const scopes = [...new Set(requested.split(' ').filter(Boolean))];
  const extra = scopes.filter((scope) => !allowed.has(scope));
  if (extra.length > 0) throw new OAuthError('invalid_scope', `scope exceeds the original grant: ${extra.join(' ')}`);
  return scopes.join(' ');
}
