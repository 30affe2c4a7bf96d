import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { FORM_TYPE, notAForm, type Params, toParams } from './form.js';
import { OAuthError } from '../errors/oauth-error.js';
import { PAR_OPTIONS } from '../par.constants.js';
import type { ResolvedParOptions } from '../par.options.js';

/**
 * Reads the form-encoded body of a request to our endpoints when the host app has not already parsed it
 * (for example an app created with `bodyParser: false`), with our own size limit (`maxBodyBytes`, 413
 * beyond it, RFC 9126 §2.3) and exact duplicate detection. Bodies the host parsed are left as they are.
 *
 * Called by the handlers themselves rather than registered as Nest middleware: every middleware route
 * adds layers that each request to the app walks through, which cost more than the parsing.
 */
@Injectable()
export class FormBodyReader {
  constructor(@Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions) {}

  /** The parameters of a form-encoded POST body, within the parameter limits; an {@link OAuthError} when it has none or breaks a limit. */
  async params(req: Request): Promise<Params> {
    if (!(await this.read(req))) throw notAForm();
    return toParams(req.body as unknown, this.options);
  }

  /** Sets `req.body` from a form body; an {@link OAuthError} (413, or 400) when it cannot. */
  async load(req: Request): Promise<void> {
    await this.read(req);
  }

  /** Whether the request has a form body; if so, `req.body` holds it, parsed here unless the host did. */
  private async read(req: Request): Promise<boolean> {
    const limit = this.options.maxBodyBytes;
    // The limit holds whoever parses the body: the host's parser may have read it already.
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) throw refuse(req, tooLarge(limit));
    if (req.method === 'GET' || req.method === 'HEAD' || !isForm(req)) return false;
    if (req.body === undefined) req.body = parseUrlEncoded(await readLimited(req, limit));
    return true;
  }
}

/** The exact media type as clients send it, else Express's full check (case, parameters, suffixes). */
function isForm(req: Request): boolean {
  const type = req.headers['content-type'];
  if (type === FORM_TYPE || type === `${FORM_TYPE};charset=UTF-8` || type === `${FORM_TYPE}; charset=utf-8`) return true;
  return Boolean(req.is(FORM_TYPE));
}

function readLimited(req: Request, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (error: OAuthError): void => {
      failed = true;
      reject(refuse(req, error));
    };
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        fail(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve((chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString('utf8'));
    });
    req.on('error', () => {
      if (!failed) fail(new OAuthError('invalid_request', 'the request body could not be read'));
    });
  });
}

/** Stops reading what the client still sends; the connection closes after the answer. */
function refuse(req: Request, error: OAuthError): OAuthError {
  req.pause();
  return new OAuthError(error.error, error.description, error.status, { ...error.headers, Connection: 'close' });
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
