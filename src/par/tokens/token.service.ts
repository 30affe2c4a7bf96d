import { Inject, Injectable } from '@nestjs/common';
import { randomToken } from '../common/secrets.js';
import type { AuthorizationDetail, ClaimsRequest } from '../authorization-request/authorization-request.js';
import { resolveAccountClaims } from '../claims/account-claims.js';
import { KeyService } from '../keys/key.service.js';
import { signCompactJws } from './jws.js';
import { PAR_OPTIONS } from '../par.constants.js';
import type { ResolvedParOptions } from '../par.options.js';

/** What an access token is issued for. */
export interface AccessTokenGrant {
  readonly sub: string;
  readonly clientId: string;
  readonly scope: string;
  readonly grantId: string;
  readonly resource?: string;
  readonly authTime?: number;
  readonly acr?: string;
  /** RFC 9396 §9.1: the authorization details the token stands for. */
  readonly authorizationDetails?: readonly AuthorizationDetail[];
  /** RFC 9449 §6.1: the DPoP key the token is bound to (`cnf.jkt`). */
  readonly jkt?: string;
  /** OIDC Core §5.5: the `userinfo` member of the claims request, for the UserInfo endpoint (private claim `claims`). */
  readonly userinfoClaims?: Readonly<Record<string, unknown>>;
}

/** What an ID token is issued for. */
export interface IdTokenGrant {
  readonly sub: string;
  readonly clientId: string;
  readonly scope: string;
  readonly authTime: number;
  readonly nonce?: string;
  readonly acr?: string;
  readonly amr?: readonly string[];
  /** OIDC Core §5.5: the claims request (its `id_token` member applies). */
  readonly claims?: ClaimsRequest;
}

/** A signed access token. */
export interface IssuedAccessToken {
  readonly token: string;
  readonly expiresIn: number;
  readonly jti: string;
}

/**
 * Mints tokens: JWT access tokens per RFC 9068 and ID tokens per OIDC Core §2, signed with the
 * current signing key.
 */
@Injectable()
export class TokenService {
  constructor(
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    private readonly keys: KeyService,
  ) {}

  /**
   * RFC 9068 §2: `typ: at+jwt`; iss, sub, aud, client_id, exp, iat, jti, scope, auth_time, acr. The jti
   * starts with the grant id, so that revoking the grant revokes the token (RFC 7009 §2.1).
   * @see https://www.rfc-editor.org/rfc/rfc9068#section-2
   */
  accessToken(grant: AccessTokenGrant, now: number): IssuedAccessToken {
    const key = this.keys.signingKey;
    const iat = Math.floor(now / 1000);
    const jti = `${grant.grantId}.${randomToken(16)}`;
    const payload = {
      iss: this.options.issuer,
      sub: grant.sub,
      aud: grant.resource ?? this.options.accessTokenAudience,
      client_id: grant.clientId,
      iat,
      exp: iat + this.options.accessTokenTtl,
      jti,
      ...(grant.scope !== '' && { scope: grant.scope }),
      ...(grant.authTime !== undefined && { auth_time: grant.authTime }),
      ...(grant.acr !== undefined && { acr: grant.acr }),
      ...(grant.authorizationDetails !== undefined && { authorization_details: grant.authorizationDetails }),
      ...(grant.jkt !== undefined && { cnf: { jkt: grant.jkt } }),
      // Only when the request had one: UserInfo learns from the token which claims were asked of it.
      ...(grant.userinfoClaims !== undefined && { claims: { userinfo: grant.userinfoClaims } }),
    };
    const token = signCompactJws({ alg: key.alg, kid: key.kid, typ: 'at+jwt' }, payload, key.alg, key.privateKey);
    return { token, expiresIn: this.options.accessTokenTtl, jti };
  }

  /**
   * OIDC Core §2 and §3.1.3.6: iss, sub, aud = client_id, exp, iat, auth_time, nonce (echoed), acr,
   * amr, plus the user's claims from `findAccountClaims` released for the ID token: those of the granted
   * scopes (§5.4) and of the `id_token` member of the claims request (§5.5, IDA `verified_claims`).
   * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
   */
  async idToken(grant: IdTokenGrant, now: number): Promise<string> {
    const key = this.keys.signingKey;
    const iat = Math.floor(now / 1000);
    const claims = await resolveAccountClaims(this.options.findAccountClaims, {
      subject: grant.sub,
      target: 'id_token',
      scopes: grant.scope.split(' '),
      request: grant.claims,
      identityAssurance: this.options.identityAssurance !== undefined,
    });
    const payload = {
      ...claims,
      iss: this.options.issuer,
      sub: grant.sub,
      aud: grant.clientId,
      iat,
      exp: iat + this.options.idTokenTtl,
      auth_time: grant.authTime,
      ...(grant.nonce !== undefined && { nonce: grant.nonce }),
      ...(grant.acr !== undefined && { acr: grant.acr }),
      ...(grant.amr !== undefined && { amr: [...grant.amr] }),
    };
    return signCompactJws({ alg: key.alg, kid: key.kid, typ: 'JWT' }, payload, key.alg, key.privateKey);
  }
}
