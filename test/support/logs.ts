import { inspect } from 'node:util';
import { ConsoleLogger, type LogLevel } from '@nestjs/common';

/** Every Nest level, most verbose first. */
export const ALL_LOG_LEVELS: LogLevel[] = ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'];

/** One captured log line: its level, context, message(s), structured params and stack, and all of it as text. */
export interface CapturedLine {
  readonly level: LogLevel;
  readonly context: string | undefined;
  readonly messages: readonly unknown[];
  readonly params: Readonly<Record<string, unknown>> | undefined;
  readonly stack: unknown;
  /** Everything above serialized twice (JSON and util.inspect), for searching. */
  readonly text: string;
}

/**
 * Nest's own ConsoleLogger (so that levels and structured params are handled exactly as a host's
 * would be), at every level, recording each line instead of printing it.
 */
export class CapturingLogger extends ConsoleLogger {
  readonly lines: CapturedLine[] = [];

  constructor() {
    super({ json: true, logLevels: ALL_LOG_LEVELS });
  }

  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel: LogLevel = 'log',
    _writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
    params?: Record<string, unknown>,
  ): void {
    const all = { messages, context, params, stack: errorStack };
    const text = `${JSON.stringify(all, errorsAsText)}\n${inspect(all, { depth: 20, breakLength: Infinity, maxStringLength: null, maxArrayLength: null })}`;
    this.lines.push({ level: logLevel, context, messages, params, stack: errorStack, text });
  }

  /** The lines of `context` whose first message is `message`. */
  find(message: string | RegExp, context = 'ParModule'): CapturedLine[] {
    return this.lines.filter((line) => line.context === context && (typeof message === 'string' ? line.messages[0] === message : message.test(String(line.messages[0]))));
  }
}

function errorsAsText(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
}
