import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ClientAuthenticationService } from '../../clients/client-authentication.service.js';
import { optional, type Params, required } from '../../common/form.js';
import { sha256 } from '../../common/secrets.js';
import { invalidClient } from '../../errors/oauth-error.js';
import { ENDPOINT_PATHS, PAR_OPTIONS } from '../../par.constants.js';
import type { ResolvedParOptions } from '../../par.options.js';
import { TokenStore } from '../../persistence/token-stores.js';
import { AccessTokenVerifier, InvalidAccessTokenError } from '../../tokens/access-token-verifier.js';
import type { StoredGrant } from '../token/token-issuer.js';

/** RFC 7662 §2.2 response. */
export type IntrospectionResponse = { active: false } | ({ active: true } & Record<string, unknown>);

const INACTIVE: IntrospectionResponse = { active: false };

/**
 * Token introspection (RFC 7662): for authenticated confidential clients. Access tokens are verified
 * like a resource server would, revocation included, and described to their client and their audience;
 * refresh tokens only to the client they were issued to. Anything else: `active: false`.
 */
@Injectable()
export class IntrospectionService {
  private readonly endpointUrl: string;

  constructor(
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    private readonly clientAuthentication: ClientAuthenticationService,
    private readonly verifier: AccessTokenVerifier,
    private readonly store: TokenStore,
  ) {
    this.endpointUrl = `${options.issuer}${ENDPOINT_PATHS.introspection}`;
  }

  async introspect(req: Request, params: Params): Promise<IntrospectionResponse> {
    const { client, method } = await this.clientAuthentication.authenticate(req, params, { endpointUrl: this.endpointUrl });
    if (method === 'none') throw invalidClient('introspection is for confidential clients only');
    const token = required(params, 'token');
    const hint = optional(params, 'token_type_hint');
    const order = hint === 'refresh_token' ? [this.refresh, this.access] : [this.access, this.refresh];
    for (const describe of order) {
      const answer = await describe.call(this, token, client.id);
      if (answer.active) return answer;
    }
    return INACTIVE;
  }

  /**
   * RFC 7662 §4: an access token is described only to the client it was issued to and to the
   * resource servers it is meant for (a client whose client_id is among the token's `aud`).
   */
  private async access(token: string, clientId: string): Promise<IntrospectionResponse> {
    if (token.split('.').length !== 3) return INACTIVE;
    try {
      // RFC 7662 §2.2: active means within its validity, by our own clock: no skew tolerance here.
      const claims = await this.verifier.verify(token, { checkRevocation: true, clockTolerance: 0 });
      const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (claims.client_id !== clientId && !audiences.includes(clientId)) return INACTIVE;
      return { active: true, token_type: claims.cnf?.jkt === undefined ? 'Bearer' : 'DPoP', ...claims };
    } catch (error) {
      if (error instanceof InvalidAccessTokenError) return INACTIVE;
      throw error;
    }
  }

  private async refresh(token: string, clientId: string): Promise<IntrospectionResponse> {
    if (token.length > 512) return INACTIVE;
    const record = await this.store.findRefreshToken(sha256(token));
    const now = this.options.clock.now();
    if (record === undefined || record.clientId !== clientId || record.consumedAt !== null || record.revokedAt !== null || record.expiresAt.getTime() <= now) {
      return INACTIVE;
    }
    if (await this.store.isGrantRevoked(record.grantId, new Date(now))) return INACTIVE;
    const grant = record.grant as unknown as StoredGrant;
    return {
      active: true,
      token_type: 'refresh_token',
      client_id: record.clientId,
      sub: grant.sub,
      scope: grant.scope,
      iss: this.options.issuer,
      iat: Math.floor(record.createdAt.getTime() / 1000),
      exp: Math.floor(record.expiresAt.getTime() / 1000),
    };
  }
}
