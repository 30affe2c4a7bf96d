import { All, Controller, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormBodyReader } from '../../common/form-body.reader.js';
import { OAuthError } from '../../errors/oauth-error.js';
import { answerOAuth, OAuthExceptionFilter, sendOAuthError, sendOAuthJson } from '../../errors/oauth-exception.filter.js';
import { ENDPOINT_PATHS } from '../../par.constants.js';
import { PushedAuthorizationService } from './pushed-authorization.service.js';
import { inRequest } from '../../observability/request-id.middleware.js';

/**
 * `POST /par`, the pushed authorization request endpoint (RFC 9126 §2). Responses are written
 * directly, so the host's interceptors cannot reshape them.
 */
@Controller()
@UseFilters(OAuthExceptionFilter)
export class PushedAuthorizationController {
  constructor(
    private readonly service: PushedAuthorizationService,
    private readonly forms: FormBodyReader,
  ) {}

  @Post(ENDPOINT_PATHS.pushedAuthorization)
  async push(@Req() req: Request, @Res() res: Response): Promise<void> {
    await inRequest(req, res, () =>
      answerOAuth(res, async () => {
        sendOAuthJson(res, 201, await this.service.push(req, await this.forms.params(req)));
      }),
    );
  }

  /** RFC 9126 §2.3: any other method is 405. */
  @All(ENDPOINT_PATHS.pushedAuthorization)
  methodNotAllowed(@Req() req: Request, @Res() res: Response): void {
    inRequest(req, res, () => sendOAuthError(res, new OAuthError('invalid_request', 'the pushed authorization request endpoint accepts POST only', 405, { Allow: 'POST' })));
  }
}
