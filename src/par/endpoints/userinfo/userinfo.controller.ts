import { All, Controller, Get, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { OAuthError } from '../../errors/oauth-error.js';
import { OAuthExceptionFilter, sendOAuthError, sendOAuthJson, setNoStore } from '../../errors/oauth-exception.filter.js';
import { ENDPOINT_PATHS, PAR_OPTIONS } from '../../par.constants.js';
import type { ResolvedParOptions } from '../../par.options.js';
import { ResourceAccessError } from '../../resource-server/protected-resource.service.js';
import { UserInfoService } from './userinfo.service.js';
import { FormBodyReader } from '../../common/form-body.reader.js';
import { inRequest } from '../../observability/request-id.middleware.js';

/**
 * `GET` and `POST /userinfo` (OIDC Core §5.3.1): 200 JSON, never cached; errors with a
 * `WWW-Authenticate: Bearer` challenge (RFC 6750 §3).
 */
@Controller()
@UseFilters(OAuthExceptionFilter)
export class UserInfoController {
  constructor(
    private readonly service: UserInfoService,
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    private readonly forms: FormBodyReader,
  ) {}

  @Get(ENDPOINT_PATHS.userinfo)
  async get(@Req() req: Request, @Res() res: Response): Promise<void> {
    await inRequest(req, res, () => this.answer(req, res));
  }

  @Post(ENDPOINT_PATHS.userinfo)
  async post(@Req() req: Request, @Res() res: Response): Promise<void> {
    await inRequest(req, res, () => this.answer(req, res));
  }

  @All(ENDPOINT_PATHS.userinfo)
  methodNotAllowed(@Req() req: Request, @Res() res: Response): void {
    inRequest(req, res, () => sendOAuthError(res, new OAuthError('invalid_request', 'the userinfo endpoint accepts GET and POST only', 405, { Allow: 'GET, POST' })));
  }

  private async answer(req: Request, res: Response): Promise<void> {
    try {
      await this.forms.load(req);
      sendOAuthJson(res, 200, await this.service.userinfo(req));
    } catch (error) {
      if (!(error instanceof ResourceAccessError)) {
        sendOAuthError(res, error);
        return;
      }
      if (error.error !== undefined) {
        sendOAuthJson(res, error.status, { error: error.error, error_description: error.description }, { 'WWW-Authenticate': error.challenge, ...error.headers });
        return;
      }
      // RFC 6750 §3.1: no token, no error information; the challenge says how to authenticate.
      res.statusCode = 401;
      setNoStore(res);
      res.setHeader('WWW-Authenticate', error.challenge);
      res.setHeader('Content-Length', 0);
      res.end();
    }
  }
}
