import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { OAuthError } from '../errors/oauth-error.js';
import { bindToRequest } from '../observability/request-context.js';
import { sendOAuthJson } from '../errors/oauth-exception.filter.js';
import { PAR_OPTIONS } from '../par.constants.js';
import type { ResolvedParOptions } from '../par.options.js';

/**
 * Parses form-encoded bodies of our endpoints when the host app has not already done so (for example
 * an app created with `bodyParser: false`), with our own size limit (`maxBodyBytes`, 413 beyond it,
 * RFC 9126 §2.3) and exact duplicate detection. Bodies the host parsed are left as they are.
 */
@Injectable()
export class FormBodyMiddleware implements NestMiddleware {
  constructor(@Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions) {}

  use(req: Request, res: Response, next: NextFunction): void {
    // The limit holds whoever parses the body: the host's parser may have read it already.
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > this.options.maxBodyBytes) {
      this.reject(req, res, tooLarge(this.options.maxBodyBytes));
      return;
    }
    if (req.body !== undefined || req.method === 'GET' || req.method === 'HEAD' || !req.is('application/x-www-form-urlencoded')) {
      next();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    // The stream's events come outside the request's async context: back into it (its request id).
    const inRequest = bindToRequest((step: () => void) => step());
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > this.options.maxBodyBytes) {
        failed = true;
        inRequest(() => this.reject(req, res, tooLarge(this.options.maxBodyBytes)));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      req.body = parseUrlEncoded(Buffer.concat(chunks).toString('utf8'));
      inRequest(next);
    });
    req.on('error', () => {
      if (failed) return;
      failed = true;
      inRequest(() => this.reject(req, res, new OAuthError('invalid_request', 'the request body could not be read')));
    });
  }

  private reject(req: Request, res: Response, error: OAuthError): void {
    // Stop reading what the client still sends, then answer; the connection closes after the reply.
    req.pause();
    res.set('Connection', 'close');
    sendOAuthJson(res, error.status, error.toJSON(), error.headers);
  }
}

function tooLarge(limit: number): OAuthError {
  return new OAuthError('invalid_request', `the request body exceeds ${limit} bytes`, 413);
}

/** URL-decodes a form body; a repeated name becomes an array so that it is refused as duplicated. */
export function parseUrlEncoded(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of new URLSearchParams(body)) {
    const seen = out[name];
    if (seen === undefined) out[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else out[name] = [seen, value];
  }
  return out;
}
