import { All, Controller, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { readFormBody } from '../../common/form.js';
import { OAuthError } from '../../errors/oauth-error.js';
import { answerOAuth, NO_STORE_HEADERS, OAuthExceptionFilter, sendOAuthError, sendOAuthJson } from '../../errors/oauth-exception.filter.js';
import { ENDPOINT_PATHS, PAR_OPTIONS } from '../../par.constants.js';
import type { ResolvedParOptions } from '../../par.options.js';
import { RevocationService } from '../revocation/revocation.service.js';
import { IntrospectionService } from './introspection.service.js';

/** `POST /introspect` (RFC 7662) and `POST /revoke` (RFC 7009). */
@Controller()
@UseFilters(OAuthExceptionFilter)
export class TokenManagementController {
  constructor(
    private readonly introspection: IntrospectionService,
    private readonly revocation: RevocationService,
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
  ) {}

  @Post(ENDPOINT_PATHS.introspection)
  async introspect(@Req() req: Request, @Res() res: Response): Promise<void> {
    await answerOAuth(res, async () => sendOAuthJson(res, 200, await this.introspection.introspect(req, readFormBody(req, this.options))));
  }

  /** RFC 7009 §2.2: 200 with an empty body, whether or not the token was known. */
  @Post(ENDPOINT_PATHS.revocation)
  async revoke(@Req() req: Request, @Res() res: Response): Promise<void> {
    await answerOAuth(res, async () => {
      await this.revocation.revoke(req, readFormBody(req, this.options));
      res.status(200).set(NO_STORE_HEADERS).end();
    });
  }

  @All([ENDPOINT_PATHS.introspection, ENDPOINT_PATHS.revocation])
  methodNotAllowed(@Res() res: Response): void {
    sendOAuthError(res, new OAuthError('invalid_request', 'this endpoint accepts POST only', 405, { Allow: 'POST' }));
  }
}
