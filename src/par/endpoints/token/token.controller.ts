import { All, Controller, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { readFormBody } from '../../common/form.js';
import { OAuthError } from '../../errors/oauth-error.js';
import { answerOAuth, OAuthExceptionFilter, sendOAuthError, sendOAuthJson } from '../../errors/oauth-exception.filter.js';
import { ENDPOINT_PATHS, PAR_OPTIONS } from '../../par.constants.js';
import type { ResolvedParOptions } from '../../par.options.js';
import { TokenEndpointService } from './token.service.js';

/** `POST /token` (RFC 6749 §3.2); every answer carries `Cache-Control: no-store` (§5.1). */
@Controller()
@UseFilters(OAuthExceptionFilter)
export class TokenController {
  constructor(
    private readonly service: TokenEndpointService,
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
  ) {}

  @Post(ENDPOINT_PATHS.token)
  async token(@Req() req: Request, @Res() res: Response): Promise<void> {
    await answerOAuth(res, async () => sendOAuthJson(res, 200, await this.service.exchange(req, readFormBody(req, this.options))));
  }

  @All(ENDPOINT_PATHS.token)
  methodNotAllowed(@Res() res: Response): void {
    sendOAuthError(res, new OAuthError('invalid_request', 'the token endpoint accepts POST only', 405, { Allow: 'POST' }));
  }
}
