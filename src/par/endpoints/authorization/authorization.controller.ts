import { Controller, Get, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { readQuery, type Params } from '../../common/form.js';
import { FormBodyReader } from '../../common/form-body.reader.js';
import { OAuthError } from '../../errors/oauth-error.js';
import { NO_STORE_HEADERS, OAuthExceptionFilter, sendOAuthJson, sendRedirect, toOAuthError } from '../../errors/oauth-exception.filter.js';
import { RedirectableError } from '../../errors/redirectable-error.js';
import { ENDPOINT_PATHS, PAR_OPTIONS } from '../../par.constants.js';
import type { ResolvedParOptions } from '../../par.options.js';
import { noteError } from '../../observability/request-context.js';
import { errorRedirect } from './authorization-response.js';
import { AuthorizationService } from './authorization.service.js';
import { errorPage } from './error-page.js';
import { inRequest } from '../../observability/request-id.middleware.js';

/**
 * The authorization endpoint, GET and form POST (OIDC Core §3.1.2.1). Answers with a 303 to the host's
 * login (or, for errors after the redirect_uri is verified, to the client); other errors are answered
 * directly: an HTML page for browsers, RFC 6749 §5.2 JSON otherwise.
 */
@Controller()
@UseFilters(OAuthExceptionFilter)
export class AuthorizationController {
  constructor(
    private readonly service: AuthorizationService,
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    private readonly forms: FormBodyReader,
  ) {}

  @Get(ENDPOINT_PATHS.authorization)
  async get(@Req() req: Request, @Res() res: Response): Promise<void> {
    await inRequest(req, res, () =>
      this.handle(req, res, async () => {
        await this.forms.load(req);
        return readQuery(req, this.options);
      }),
    );
  }

  @Post(ENDPOINT_PATHS.authorization)
  async post(@Req() req: Request, @Res() res: Response): Promise<void> {
    await inRequest(req, res, () => this.handle(req, res, () => this.forms.params(req)));
  }

  private async handle(req: Request, res: Response, read: () => Promise<Params>): Promise<void> {
    try {
      const outcome = await this.service.authorize(await read(), req);
      sendRedirect(res, outcome.location, outcome.setCookie);
    } catch (error) {
      if (error instanceof RedirectableError) {
        noteError(error.oauthError.error);
        sendRedirect(res, errorRedirect(error.redirectUri, this.options.issuer, error.oauthError, error.state));
        return;
      }
      // Unexpected errors become 500 server_error; a database fault, 503 temporarily_unavailable with
      // Retry-After (no redirect_uri could be verified without the database, so it is answered here).
      const oauthError = error instanceof OAuthError ? error : toOAuthError(error, res);
      if (res.headersSent) return;
      if (req.accepts(['json', 'html']) === 'html') {
        noteError(oauthError.error);
        res.status(oauthError.status).set(NO_STORE_HEADERS).set(oauthError.headers).type('html').send(errorPage(oauthError));
        return;
      }
      sendOAuthJson(res, oauthError.status, oauthError.toJSON(), oauthError.headers);
    }
  }
}
