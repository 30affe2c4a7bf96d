import { All, Controller, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { readFormBody } from '../../common/form.js';
import { OAuthError } from '../../errors/oauth-error.js';
import { answerOAuth, OAuthExceptionFilter, sendOAuthError, sendOAuthJson } from '../../errors/oauth-exception.filter.js';
import { ENDPOINT_PATHS, PAR_OPTIONS } from '../../par.constants.js';
import type { ResolvedParOptions } from '../../par.options.js';
import { PushedAuthorizationService } from './pushed-authorization.service.js';

/**
 * `POST /par`, the pushed authorization request endpoint (RFC 9126 §2). Responses are written
 * directly, so the host's interceptors cannot reshape them.
 */
@Controller()
@UseFilters(OAuthExceptionFilter)
export class PushedAuthorizationController {
  constructor(
    private readonly service: PushedAuthorizationService,
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
  ) {}

  @Post(ENDPOINT_PATHS.pushedAuthorization)
  async push(@Req() req: Request, @Res() res: Response): Promise<void> {
    await answerOAuth(res, async () => sendOAuthJson(res, 201, await this.service.push(req, readFormBody(req, this.options))));
  }

  /** RFC 9126 §2.3: any other method is 405. */
  @All(ENDPOINT_PATHS.pushedAuthorization)
  methodNotAllowed(@Res() res: Response): void {
    sendOAuthError(res, new OAuthError('invalid_request', 'the pushed authorization request endpoint accepts POST only', 405, { Allow: 'POST' }));
  }
}
