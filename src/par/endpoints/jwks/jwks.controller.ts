import { Controller, Get, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { KeyService } from '../../keys/key.service.js';
import { ENDPOINT_PATHS } from '../../par.constants.js';
import { inRequest } from '../../observability/request-id.middleware.js';

/** The public signing keys (RFC 8414 `jwks_uri`, RFC 7517 §5): public members only, with kid, alg and use. */
@Controller()
export class JwksController {
  constructor(private readonly keys: KeyService) {}

  @Get(ENDPOINT_PATHS.jwks)
  jwks(@Req() req: Request, @Res() res: Response): void {
    inRequest(req, res, () => res.status(200).set('Cache-Control', 'public, max-age=300').type('application/jwk-set+json').send(JSON.stringify(this.keys.jwks)));
  }
}
