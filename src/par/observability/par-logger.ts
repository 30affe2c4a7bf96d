import { Logger, type LogLevel } from '@nestjs/common';
import { currentRequest } from './request-context.js';

/** The fields of a library log line: facts only, never a secret (see {@link parLogger}). */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined | readonly string[]>>;

const logger = new Logger('ParModule');

/** Whether the host's logger prints `level`: checked before a line's fields are built. */
export function logLevelEnabled(level: LogLevel): boolean {
  return Logger.isLevelEnabled(level);
}

function withRequestId(fields: LogFields): LogFields {
  const requestId = currentRequest()?.requestId;
  return requestId === undefined ? fields : { requestId, ...fields };
}

/**
 * The library's log lines, through the host's logger (Nest's `Logger`, context `ParModule`): a message
 * and a plain object of fields (Nest's structured params, which `ConsoleLogger({ json: true })` prints
 * as JSON), with the request id of the current request added. What goes in the fields is decided at
 * each call site, and is never a secret: no client secret or assertion, code, code_verifier,
 * request_uri, token, DPoP proof, password or pushed parameter (RFC 9126 §8).
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-8
 */
export const parLogger = {
  verbose(message: string, fields: LogFields): void {
    if (Logger.isLevelEnabled('verbose')) logger.verbose(message, withRequestId(fields));
  },
  debug(message: string, fields: LogFields): void {
    if (Logger.isLevelEnabled('debug')) logger.debug(message, withRequestId(fields));
  },
  log(message: string, fields: LogFields): void {
    if (Logger.isLevelEnabled('log')) logger.log(message, withRequestId(fields));
  },
  warn(message: string, fields: LogFields): void {
    if (Logger.isLevelEnabled('warn')) logger.warn(message, withRequestId(fields));
  },
  /** An error line; `stack` is printed as the stack trace, so it must not hold the error's message. */
  error(message: string, fields: LogFields, stack?: string): void {
    if (!Logger.isLevelEnabled('error')) return;
    if (stack === undefined) logger.error(message, withRequestId(fields));
    else logger.error(message, withRequestId(fields), stack);
  },
};

/**
 * An error's stack frames without its message (the first lines of `stack`), which can carry values
 * from the request (a parser quoting its input, a driver its parameters).
 */
export function stackFrames(error: unknown): string | undefined {
  if (!(error instanceof Error) || typeof error.stack !== 'string') return undefined;
  const frames = error.stack.split('\n').filter((line) => /^\s+at /.test(line));
  return frames.length === 0 ? undefined : `${error.name}\n${frames.join('\n')}`;
}
