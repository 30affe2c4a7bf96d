import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { Response } from 'express';
import { databaseUnavailable, describeDatabaseFault } from './database-unavailable.js';
import { parLogger, stackFrames } from '../observability/par-logger.js';
import { noteError } from '../observability/request-context.js';
import { REQUEST_ID_HEADER } from '../observability/request-id.middleware.js';
import { OAuthError } from './oauth-error.js';

/** Headers every OAuth JSON answer carries (RFC 6749 §5.1, §5.2). */
export const NO_STORE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
};

const NO_STORE_ENTRIES = Object.entries(NO_STORE_HEADERS);

/** Sets {@link NO_STORE_HEADERS} on a response. */
export function setNoStore(res: Response): void {
  for (const [name, value] of NO_STORE_ENTRIES) res.setHeader(name, value);
}

/**
 * Sends an OAuth JSON body with `Cache-Control: no-store`. Written with Node's own response API: on
 * the hot path Express's `send` would hash the body for an ETag nobody may cache, and split headers
 * and body into two writes.
 */
export function sendOAuthJson(
  res: Response,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const json = JSON.stringify(body);
  if (status >= 400) {
    const error = (body as { error?: unknown } | null)?.error;
    if (typeof error === 'string') noteError(error);
  }
  res.statusCode = status;
  setNoStore(res);
  for (const name in headers) res.setHeader(name, headers[name] as string);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}

/** A 303 See Other (RFC 9700 §4.11: not 307) to `location`, not cacheable, optionally setting a cookie. */
export function sendRedirect(res: Response, location: string, setCookie?: string): void {
  res.statusCode = 303;
  setNoStore(res);
  if (setCookie !== undefined) res.appendHeader('Set-Cookie', setCookie);
  res.setHeader('Location', location);
  res.setHeader('Content-Length', 0);
  res.end();
}

/** While the database is down every request fails: one warning per this many ms, with the count. */
const FAULT_LOG_INTERVAL_MS = 10_000;
let faultLoggedAt = Number.NEGATIVE_INFINITY;
let faultsSinceLog = 0;

function logDatabaseFault(fault: string): void {
  faultsSinceLog += 1;
  const now = Date.now();
  if (now - faultLoggedAt < FAULT_LOG_INTERVAL_MS) return;
  parLogger.warn(`database unavailable (${fault}): answering 503 temporarily_unavailable`, { fault, requestsSinceLastWarning: faultsSinceLog });
  faultLoggedAt = now;
  faultsSinceLog = 0;
}

/**
 * Maps whatever an OAuth endpoint throws to an RFC 6749 §5.2 error: an {@link OAuthError} as it is,
 * a Nest HttpException to the closest OAuth code, a database fault to 503 `temporarily_unavailable`
 * with `Retry-After` (see {@link databaseUnavailable}; logged by its SQLSTATE or socket code only, at
 * most every 10 s), and anything else to a fixed 500 `server_error` (logged by the error's name and
 * stack frames, without its message or the request, which may hold secrets).
 */
export function toOAuthError(exception: unknown, res?: Response): OAuthError {
  if (exception instanceof OAuthError) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 413) return new OAuthError('invalid_request', 'request body too large', 413);
    if (status === 405) return new OAuthError('invalid_request', 'method not allowed', 405);
    if (status === 429) return new OAuthError('temporarily_unavailable', 'too many requests', 429);
    if (status < 500) return new OAuthError('invalid_request', 'malformed request', status);
  }
  const fault = describeDatabaseFault(exception);
  if (fault !== undefined) {
    logDatabaseFault(fault);
    return databaseUnavailable();
  }
  // The error's name and stack frames only: its message may quote a value of the request (a parser
  // its input, a driver its parameters), and the request may hold secrets.
  const name = exception instanceof Error ? exception.name : typeof exception;
  const requestId = res?.getHeader(REQUEST_ID_HEADER);
  parLogger.error(`unexpected ${name} in an OAuth endpoint`, { errorName: name, ...(typeof requestId === 'string' && { requestId }) }, stackFrames(exception));
  return new OAuthError('server_error', 'the server could not complete the request', 500);
}

/** Writes the error answer for whatever an endpoint threw. */
export function sendOAuthError(res: Response, exception: unknown): void {
  const error = toOAuthError(exception, res);
  if (res.headersSent) return;
  sendOAuthJson(res, error.status, error.toJSON(), error.headers);
}

/**
 * Runs an endpoint's work and writes its error answer itself, inside the handler: a host's global
 * interceptor sees a handler's thrown errors before any filter, and could reshape them.
 */
export async function answerOAuth(res: Response, work: () => Promise<void> | void): Promise<void> {
  try {
    await work();
  } catch (exception) {
    sendOAuthError(res, exception);
  }
}

/**
 * The backstop for what escapes a handler (a guard or pipe of the host, say), scoped to our
 * controllers with `@UseFilters`, so the host's global filters never see, and never reshape, our errors.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
@Catch()
export class OAuthExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    sendOAuthError(host.switchToHttp().getResponse<Response>(), exception);
  }
}
