import { All, Controller, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { readFormBody } from '../../common/form.js';
import { OAuthError } from '../../errors/oauth-error.js';
import { OAuthExceptionFilter, sendOAuthJson } from '../../errors/oauth-exception.filter.js';
import { ENDPOINT_PATHS } from '../../par.constants.js';
import { PushedAuthorizationService } from './pushed-authorization.service.js';

/**
 * `POST /par`, the pushed authorization request endpoint (RFC 9126 §2). Responses are written
 * directly, so the host's interceptors cannot reshape them.
 */
@Controller()
@UseFilters(OAuthExceptionFilter)
export class PushedAuthorizationController {
  constructor(private readonly service: PushedAuthorizationService) {}

  @Post(ENDPOINT_PATHS.pushedAuthorization)
  async push(@Req() req: Request, @Res() res: Response): Promise<void> {
    const result = await this.service.push(req, readFormBody(req));
    sendOAuthJson(res, 201, result);
  }

  /** RFC 9126 §2.3: any other method is 405. */
  @All(ENDPOINT_PATHS.pushedAuthorization)
  methodNotAllowed(): never {
    throw new OAuthError('invalid_request', 'the pushed authorization request endpoint accepts POST only', 405, { Allow: 'POST' });
  }
}
