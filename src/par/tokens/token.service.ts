import { Inject, Injectable } from '@nestjs/common';
import { randomToken } from '../common/secrets.js';
import { KeyService } from '../keys/key.service.js';
import { signCompactJws } from './jws.js';
import { PAR_OPTIONS } from '../par.constants.js';
import type { ResolvedParOptions } from '../par.options.js';
import { claimsForScopes, PROTECTED_CLAIMS } from './scope-claims.js';

/** What an access token is issued for. */
export interface AccessTokenGrant {
  readonly sub: string;
  readonly clientId: string;
  readonly scope: string;
  readonly grantId: string;
  readonly resource?: string;
  readonly authTime?: number;
  readonly acr?: string;
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
    };
    const token = signCompactJws({ alg: key.alg, kid: key.kid, typ: 'at+jwt' }, payload, key.alg, key.privateKey);
    return { token, expiresIn: this.options.accessTokenTtl, jti };
  }

  /**
   * OIDC Core §2 and §3.1.3.6: iss, sub, aud = client_id, exp, iat, auth_time, nonce (echoed), acr,
   * amr, plus the user's claims for the granted scopes from `findAccountClaims`.
   * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
   */
  async idToken(grant: IdTokenGrant, now: number): Promise<string> {
    const key = this.keys.signingKey;
    const iat = Math.floor(now / 1000);
    const requested = claimsForScopes(grant.scope.split(' '));
    const account = requested.length > 0 ? await this.options.findAccountClaims(grant.sub, requested) : {};
    const claims: Record<string, unknown> = {};
    for (const name of requested) {
      if (!PROTECTED_CLAIMS.has(name) && account[name] !== undefined) claims[name] = account[name];
    }
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
