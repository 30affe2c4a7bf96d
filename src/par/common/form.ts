import type { Request } from 'express';
import { invalidRequest, type OAuthError } from '../errors/oauth-error.js';

/**
 * Request parameters with exactly one string value each: duplicated parameters have been rejected
 * (RFC 6749 §3.1, §3.2), and parameters nobody asked for are simply never read (ignored, §3.1).
 */
export type Params = ReadonlyMap<string, string>;

/** The media type of every form body the endpoints read (RFC 6749 Appendix B). */
export const FORM_TYPE = 'application/x-www-form-urlencoded';

/** RFC 6749 §3.2: the request body must be form-encoded. */
export const notAForm = (): OAuthError => invalidRequest(`the request body must be ${FORM_TYPE}`);

/**
 * Bounds on the parameters of a request, checked as they are read (before any other processing):
 * how many, how long a name, and how long a plain value. The parameters that are large by design
 * ({@link LARGE_PARAMETERS}) are bounded by `maxBodyBytes` only, and `state` and `nonce` by their own
 * options.
 */
export interface ParameterLimits {
  readonly maxParameters: number;
  readonly maxParameterNameLength: number;
  readonly maxParameterLength: number;
}

/**
 * Parameters exempt from `maxParameterLength`: JWTs and JSON documents (RFC 9101 `request`, RFC 9396
 * `authorization_details`, OIDC `claims` and `id_token_hint`, RFC 7523 `client_assertion`), and
 * `state` / `nonce`, which `maxStateLength` / `maxNonceLength` bound.
 */
export const LARGE_PARAMETERS: ReadonlySet<string> = new Set([
  'request',
  'authorization_details',
  'claims',
  'client_assertion',
  'id_token_hint',
  'state',
  'nonce',
]);

/**
 * Reads the parameters of a form-encoded POST body (RFC 6749 Appendix B).
 * The body may have been parsed by our own parser (see FormBodyReader) or by the host's
 * `express.urlencoded`: either way a repeated parameter shows up as an array and is refused.
 */
export function readFormBody(req: Request, limits: ParameterLimits): Params {
  if (!req.is(FORM_TYPE)) throw notAForm();
  return toParams(req.body as unknown, limits);
}

/** Reads the parameters of a query string (GET to the authorization endpoint). */
export function readQuery(req: Request, limits: ParameterLimits): Params {
  return toParams(req.query as unknown, limits);
}

/**
 * Turns a parsed body or query into {@link Params}. An array is a duplicated parameter. A nested object
 * is what the host's `qs` parser makes of bracketed names (`a[b]=c`): parameters we do not know, ignored
 * as with our own parser (RFC 6749 §3.1), so a request means the same whoever parsed it.
 * Beyond a {@link ParameterLimits} bound the request is refused with `invalid_request` naming the
 * parameter, never echoing its value.
 */
export function toParams(source: unknown, limits: ParameterLimits): Params {
  const params = new Map<string, string>();
  if (source === undefined || source === null) return params;
  if (typeof source !== 'object') throw invalidRequest('malformed request parameters');
  const entries = Object.entries(source as Record<string, unknown>);
  // Every value counts, so that a parameter repeated a thousand times is refused as too many.
  let count = 0;
  for (const [, value] of entries) count += Array.isArray(value) ? value.length : 1;
  if (count > limits.maxParameters) throw invalidRequest(`the request has more than ${limits.maxParameters} parameters`);
  for (const [name, value] of entries) {
    if (name.length > limits.maxParameterNameLength) {
      throw invalidRequest(`parameter name ${safeName(name)} is longer than ${limits.maxParameterNameLength} characters`);
    }
    if (Array.isArray(value)) throw invalidRequest(`parameter ${safeName(name)} is duplicated`);
    if (typeof value !== 'string') continue;
    if (value.length > limits.maxParameterLength && !LARGE_PARAMETERS.has(name)) {
      throw invalidRequest(`parameter ${safeName(name)} is longer than ${limits.maxParameterLength} characters`);
    }
    params.set(name, value);
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
