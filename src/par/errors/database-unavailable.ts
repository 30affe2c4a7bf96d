import { OAuthError } from './oauth-error.js';

/**
 * The `Retry-After` (seconds) of a 503 answered while the database cannot be reached: about as long as
 * a PostgreSQL restart or fail-over takes, short enough that a retrying client is not kept waiting.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * SQLSTATEs that mean "PostgreSQL cannot serve this now, it may later": class 08 (connection
 * exception) and 53 (insufficient resources: too many connections, out of memory or disk) as classes;
 * these single codes otherwise.
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const UNAVAILABLE_SQLSTATE_CLASSES: ReadonlySet<string> = new Set(['08', '53']);
const UNAVAILABLE_SQLSTATES: ReadonlyMap<string, string> = new Map([
  ['57P01', 'admin shutdown'],
  ['57P02', 'crash shutdown'],
  ['57P03', 'cannot connect now'],
  ['57P05', 'idle session timeout'],
  ['57014', 'statement timeout'],
  ['55P03', 'lock timeout'],
]);

/** Socket errors on the way to the database (Node's `code`); ENOENT only for a socket path that is gone. */
const UNAVAILABLE_SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/**
 * What node-postgres and pg-pool say, without a code, when a connection breaks, cannot be made in time
 * (`connectionTimeoutMillis`), a query outlives `query_timeout`, or the pool is closing.
 */
const UNAVAILABLE_MESSAGES: readonly (readonly [RegExp, string])[] = [
  [/^Connection terminated/, 'connection terminated'],
  [/^timeout exceeded when trying to connect$/, 'connect timeout'],
  [/^timeout expired$/, 'connect timeout'],
  [/^Query read timeout$/, 'query timeout'],
  [/^Client has encountered a connection error and is not queryable$/, 'connection broken'],
  [/^Client was closed and is not queryable$/, 'connection closed'],
  [/^Cannot use a pool after calling end on the pool$/, 'pool closed'],
];

/** How deep wrapped errors (`cause`, TypeORM's `driverError`, AggregateError) are followed. */
const MAX_DEPTH = 4;

/**
 * Why `error` means the database is unreachable, restarting, overloaded or too slow — a fault a client
 * can retry — as a short fixed text (a SQLSTATE, a socket error code or a named condition) that is safe
 * to log; `undefined` when it is any other error. It never returns the error's message: messages can
 * carry host names, statement text or parameter values.
 *
 * This is the one place that knows these errors: {@link toOAuthError} turns them into
 * {@link databaseUnavailable}, and hosts can use it for their own endpoints and login pages.
 */
export function describeDatabaseFault(error: unknown, depth = 0): string | undefined {
  if (depth > MAX_DEPTH || typeof error !== 'object' || error === null) return undefined;
  const { code, syscall, message, cause, driverError, errors } = error as {
    code?: unknown;
    syscall?: unknown;
    message?: unknown;
    cause?: unknown;
    driverError?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string') {
    if (/^[0-9A-Z]{5}$/.test(code)) {
      const named = UNAVAILABLE_SQLSTATES.get(code);
      if (named !== undefined) return `SQLSTATE ${code} (${named})`;
      if (UNAVAILABLE_SQLSTATE_CLASSES.has(code.slice(0, 2))) return `SQLSTATE ${code}`;
    }
    if (UNAVAILABLE_SOCKET_CODES.has(code) || (code === 'ENOENT' && syscall === 'connect')) return code;
  }
  if (typeof message === 'string') {
    for (const [pattern, condition] of UNAVAILABLE_MESSAGES) if (pattern.test(message)) return condition;
  }
  for (const inner of [cause, driverError, ...(Array.isArray(errors) ? errors : [])]) {
    const found = describeDatabaseFault(inner, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Whether `error` means the database cannot serve now (see {@link describeDatabaseFault}). */
export function isDatabaseUnavailable(error: unknown): boolean {
  return describeDatabaseFault(error) !== undefined;
}

/**
 * The answer while the database cannot serve: 503 `temporarily_unavailable` with
 * `Retry-After: 5`, at every endpoint, so that a client can tell "retry later" from a bug.
 *
 * Why this code and status outside the authorization endpoint too:
 * - RFC 6749 §4.1.2.1 defines `temporarily_unavailable` for the authorization endpoint, where the
 *   error travels in a redirect and "a 503 Service Unavailable HTTP status code cannot be returned".
 *   /authorize uses it that way once the redirect_uri is verified, and answers 503 directly before.
 * - At the token endpoint (RFC 6749 §5.2, which PAR §2.3, introspection and revocation reuse), the
 *   list of error codes names neither `temporarily_unavailable` nor `server_error`, and §5.2 answers
 *   400 "unless specified otherwise": the RFC leaves server faults to HTTP. HTTP's answer for "cannot
 *   serve now, retry later" is 503 with `Retry-After` (RFC 9110 §15.6.4, §10.2.3), and RFC 7009
 *   §2.2.1 says exactly that for revocation. Since any 5xx body here is outside the §5.2 list, we send
 *   the registered code whose meaning matches the status (as the 500s carry `server_error`), and
 *   clients that only know §5.2 still see a 5xx and retry or fail as they would for any outage.
 * - UserInfo and resource servers (RFC 6750 §3.1) define errors for token problems only; a fault of
 *   the server is again plain HTTP 503, with the same body.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.2.1
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4
 */
export function databaseUnavailable(): OAuthError {
  return new OAuthError('temporarily_unavailable', 'the authorization server is temporarily unavailable, retry later', 503, {
    'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS),
  });
}
