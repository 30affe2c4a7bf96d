import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { resolveAccountClaims } from '../../claims/account-claims.js';
import { isJsonObject } from '../../claims/claims-request.js';
import { noteClient } from '../../observability/request-context.js';
import { PAR_OPTIONS } from '../../par.constants.js';
import type { ResolvedParOptions } from '../../par.options.js';
import { ProtectedResourceService } from '../../resource-server/protected-resource.service.js';

/**
 * The UserInfo endpoint (OIDC Core §5.3): for a valid, unrevoked access token granted `openid`, the
 * user's `sub` and the claims released to UserInfo: those of the granted scopes (§5.4) and of the
 * `userinfo` member of the claims request (§5.5, with IDA `verified_claims`), which the access token
 * carries. Errors are RFC 6750 §3 / RFC 9449 §7 errors with their challenge.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 */
@Injectable()
export class UserInfoService {
  constructor(
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    private readonly resource: ProtectedResourceService,
  ) {}

  async userinfo(req: Request): Promise<Record<string, unknown>> {
    // 1-2. The access token (RFC 6750 §2.1, §2.2; RFC 9449 §7 for DPoP-bound ones): ours, unexpired and
    // not revoked, any audience (UserInfo is the authorization server's own resource).
    const claims = await this.resource.authenticate(req, { checkRevocation: true, allowFormToken: true });
    noteClient(claims.client_id);
    // 3. Granted for OpenID Connect (§5.3.1: the token was obtained through an OpenID Connect request).
    const scopes = (claims.scope ?? '').split(' ').filter(Boolean);
    if (!scopes.includes('openid')) throw this.resource.insufficientScope(req, 'the access token lacks scope openid', ['openid']);
    // 4. The claims released to UserInfo; sub always (§5.3.2).
    const requested = isJsonObject(claims.claims) && isJsonObject(claims.claims.userinfo) ? { userinfo: claims.claims.userinfo } : undefined;
    const released = await resolveAccountClaims(this.options.findAccountClaims, {
      subject: claims.sub,
      target: 'userinfo',
      scopes,
      request: requested,
      identityAssurance: this.options.identityAssurance !== undefined,
    });
    return { sub: claims.sub, ...released };
  }
}
