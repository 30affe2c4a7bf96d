import { All, Controller, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormBodyReader } from '../../common/form-body.reader.js';
import { OAuthError } from '../../errors/oauth-error.js';
import { answerOAuth, OAuthExceptionFilter, sendOAuthError, sendOAuthJson } from '../../errors/oauth-exception.filter.js';
import { ENDPOINT_PATHS } from '../../par.constants.js';
import { TokenEndpointService } from './token.service.js';
import { inRequest } from '../../observability/request-id.middleware.js';

/** `POST /token` (RFC 6749 §3.2); every answer carries `Cache-Control: no-store` (§5.1). */
@Controller()
@UseFilters(OAuthExceptionFilter)
export class TokenController {
  constructor(
    private readonly service: TokenEndpointService,
    private readonly forms: FormBodyReader,
  ) {}

  @Post(ENDPOINT_PATHS.token)
  async token(@Req() req: Request, @Res() res: Response): Promise<void> {
    await inRequest(req, res, () =>
      answerOAuth(res, async () => {
        sendOAuthJson(res, 200, await this.service.exchange(req, await this.forms.params(req)));
      }),
    );
  }

  @All(ENDPOINT_PATHS.token)
  methodNotAllowed(@Req() req: Request, @Res() res: Response): void {
    inRequest(req, res, () => sendOAuthError(res, new OAuthError('invalid_request', 'the token endpoint accepts POST only', 405, { Allow: 'POST' })));
  }
}
