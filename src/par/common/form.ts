import type { Request } from 'express';
import { invalidRequest } from '../errors/oauth-error.js';

/**
 * Request parameters with exactly one string value each: duplicated parameters have been rejected
 * (RFC 6749 §3.1, §3.2), and parameters nobody asked for are simply never read (ignored, §3.1).
 */
export type Params = ReadonlyMap<string, string>;

const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * Reads the parameters of a form-encoded POST body (RFC 6749 Appendix B).
 * The body may have been parsed by our own parser (see FormBodyMiddleware) or by the host's
 * `express.urlencoded`: either way a repeated parameter shows up as an array and is refused.
 */
export function readFormBody(req: Request): Params {
  if (!req.is(FORM_TYPE)) {
    throw invalidRequest(`the request body must be ${FORM_TYPE}`);
  }
  return toParams(req.body as unknown);
}

/** Reads the parameters of a query string (GET to the authorization endpoint). */
export function readQuery(req: Request): Params {
  return toParams(req.query as unknown);
}

/**
 * Turns a parsed body or query into {@link Params}. An array is a duplicated parameter. A nested object
 * is what the host's `qs` parser makes of bracketed names (`a[b]=c`): parameters we do not know, ignored
 * as with our own parser (RFC 6749 §3.1), so a request means the same whoever parsed it.
 */
export function toParams(source: unknown): Params {
  const params = new Map<string, string>();
  if (source === undefined || source === null) return params;
  if (typeof source !== 'object') throw invalidRequest('malformed request parameters');
  for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
    if (Array.isArray(value)) throw invalidRequest(`parameter ${safeName(name)} is duplicated`);
    if (typeof value === 'string') params.set(name, value);
  }
  return params;
}

/** Keeps a client-chosen parameter name short and printable before it is echoed in an error. */
function safeName(name: string): string {
  const printable = name.replace(/[^\x21-\x7e]/g, '?');
  return printable.length > 40 ? `${printable.slice(0, 40)}…` : printable;
}

/** One parameter as a non-empty string, or undefined when it is absent or empty (RFC 6749 §3.1). */
export function optional(params: Params, name: string): string | undefined {
  const value = params.get(name);
  return value === undefined || value === '' ? undefined : value;
}

/** One required parameter; missing or empty → `invalid_request`. */
export function required(params: Params, name: string): string {
  const value = optional(params, name);
  if (value === undefined) throw invalidRequest(`missing required parameter ${name}`);
  return value;
}
