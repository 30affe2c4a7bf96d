import { Inject, Injectable } from '@nestjs/common';
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { KeyService } from '../keys/key.service.js';
import { PAR_OPTIONS } from '../par.constants.js';
import { SIGNING_ALGS, type ResolvedParOptions } from '../par.options.js';
import { TokenStore } from '../persistence/token-stores.js';

/** The claims of a verified access token (RFC 9068 §2.2). */
export interface AccessTokenClaims extends JWTPayload {
  readonly iss: string;
  readonly sub: string;
  readonly client_id: string;
  readonly exp: number;
  readonly iat: number;
  readonly jti: string;
  readonly scope?: string;
  readonly auth_time?: number;
  readonly acr?: string;
  readonly authorization_details?: readonly { readonly type: string; readonly [field: string]: unknown }[];
  /** RFC 9449 §6.1: the DPoP key the token is bound to. */
  readonly cnf?: { readonly jkt?: string };
}

/** Why an access token was not accepted (safe to tell the presenter). */
export class InvalidAccessTokenError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'InvalidAccessTokenError';
  }
}

/**
 * Verifies our JWT access tokens as a resource server must (RFC 9068 §4): `typ` at+jwt, signature by
 * one of our published keys, `iss`, `exp`, and `aud` when an audience is expected; optionally that the
 * token or its grant was not revoked.
 */
@Injectable()
export class AccessTokenVerifier {
  constructor(
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    private readonly keys: KeyService,
    private readonly store: TokenStore,
  ) {}

  async verify(token: string, expected: { audience?: string; checkRevocation?: boolean; clockTolerance?: number } = {}): Promise<AccessTokenClaims> {
    const now = this.options.clock.now();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys.verificationKeys, {
        algorithms: [...SIGNING_ALGS],
        typ: 'at+jwt',
        issuer: this.options.issuer,
        ...(expected.audience !== undefined && { audience: expected.audience }),
        currentDate: new Date(now),
        clockTolerance: expected.clockTolerance ?? this.options.clockSkew,
        requiredClaims: ['sub', 'client_id', 'exp', 'iat', 'jti'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new InvalidAccessTokenError('the access token expired');
      if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'aud') throw new InvalidAccessTokenError('the access token is not meant for this resource');
      if (error instanceof joseErrors.JOSEError) throw new InvalidAccessTokenError('the access token is invalid');
      throw error;
    }
    const claims = payload as AccessTokenClaims;
    if (expected.checkRevocation) {
      const grantId = claims.jti.split('.')[0] ?? '';
      if (await this.store.isRevoked(grantId, claims.jti, new Date(now))) throw new InvalidAccessTokenError('the access token was revoked');
    }
    return claims;
  }
}
