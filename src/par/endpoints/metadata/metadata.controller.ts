import { Controller, Get, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MetadataService } from './metadata.service.js';
import { inRequest } from '../../observability/request-id.middleware.js';

/** RFC 8414 §3 and OIDC Discovery §4: the same document at both well-known locations. */
@Controller()
export class MetadataController {
  constructor(private readonly service: MetadataService) {}

  @Get(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'])
  metadata(@Req() req: Request, @Res() res: Response): void {
    inRequest(req, res, () => res.status(200).set('Cache-Control', 'public, max-age=300').type('application/json').send(JSON.stringify(this.service.metadata)));
  }
}
