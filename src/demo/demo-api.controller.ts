import { Controller, Get, UseGuards } from '@nestjs/common';
import { AccessToken, type AccessTokenClaims, AccessTokenGuard, RequireAccessToken } from '../par/index.js';

/** An example API protected by ParModule's resource-server guard. */
@Controller('api')
@UseGuards(AccessTokenGuard)
export class DemoApiController {
  /** Who the token is for: needs a valid access token with `api:read`. */
  @Get('me')
  @RequireAccessToken({ scopes: ['api:read'] })
  me(@AccessToken() token: AccessTokenClaims): { sub: string; client_id: string; scope: string | undefined } {
    return { sub: token.sub, client_id: token.client_id, scope: token.scope };
  }
}
