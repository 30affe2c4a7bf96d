import { All, Controller, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormBodyReader } from '../../common/form-body.reader.js';
import { OAuthError } from '../../errors/oauth-error.js';
import { answerOAuth, NO_STORE_HEADERS, OAuthExceptionFilter, sendOAuthError, sendOAuthJson } from '../../errors/oauth-exception.filter.js';
import { ENDPOINT_PATHS } from '../../par.constants.js';
import { RevocationService } from '../revocation/revocation.service.js';
import { IntrospectionService } from './introspection.service.js';
import { inRequest } from '../../observability/request-id.middleware.js';

/** `POST /introspect` (RFC 7662) and `POST /revoke` (RFC 7009). */
@Controller()
@UseFilters(OAuthExceptionFilter)
export class TokenManagementController {
  constructor(
    private readonly introspection: IntrospectionService,
    private readonly revocation: RevocationService,
    private readonly forms: FormBodyReader,
  ) {}

  @Post(ENDPOINT_PATHS.introspection)
  async introspect(@Req() req: Request, @Res() res: Response): Promise<void> {
    await inRequest(req, res, () =>
      answerOAuth(res, async () => {
        sendOAuthJson(res, 200, await this.introspection.introspect(req, await this.forms.params(req)));
      }),
    );
  }

  /** RFC 7009 §2.2: 200 with an empty body, whether or not the token was known. */
  @Post(ENDPOINT_PATHS.revocation)
  async revoke(@Req() req: Request, @Res() res: Response): Promise<void> {
    await inRequest(req, res, () =>
      answerOAuth(res, async () => {
        await this.revocation.revoke(req, await this.forms.params(req));
        res.status(200).set(NO_STORE_HEADERS).end();
      }),
    );
  }

  @All([ENDPOINT_PATHS.introspection, ENDPOINT_PATHS.revocation])
  methodNotAllowed(@Req() req: Request, @Res() res: Response): void {
    inRequest(req, res, () => sendOAuthError(res, new OAuthError('invalid_request', 'this endpoint accepts POST only', 405, { Allow: 'POST' })));
  }
}
