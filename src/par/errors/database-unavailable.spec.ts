import type { Response } from 'express';
import { createServer, type Server, type Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import pg from 'pg';
import { QueryFailedError } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUnavailable, describeDatabaseFault, isDatabaseUnavailable } from './database-unavailable.js';
import { toOAuthError } from './oauth-exception.filter.js';

/** What node-postgres throws for an ErrorResponse from the server. */
function serverError(code: string, message = 'from the server'): Error {
  const error = new pg.DatabaseError(message, message.length, 'error');
  error.code = code;
  return error;
}

/** A TCP server that accepts connections and never answers (a hung PostgreSQL). */
async function silentServer(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0, sockets };
}

describe('describeDatabaseFault: the one place that recognises a database that cannot serve now', () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  beforeAll(async () => {
    silent = await silentServer();
  });
  afterAll(async () => {
    for (const socket of silent.sockets) socket.destroy();
    await new Promise((resolve) => silent.server.close(resolve));
  });

  it('recognises a refused connection, as node-postgres reports it', async () => {
    const closed = await silentServer();
    await new Promise((resolve) => closed.server.close(resolve));
    const { port } = closed;
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'nobody', database: 'nothing' });
    const error: unknown = await client.connect().catch((e: unknown) => e);
    expect(describeDatabaseFault(error)).toBe('ECONNREFUSED');
  });

  it('recognises a connect timeout of the pool (a server that accepts and never answers)', async () => {
    const pool = new pg.Pool({ host: '127.0.0.1', port: silent.port, user: 'nobody', database: 'nothing', connectionTimeoutMillis: 50 });
    const error: unknown = await pool.query('SELECT 1').catch((e: unknown) => e);
    await pool.end();
    expect(describeDatabaseFault(error)).toMatch(/^connect timeout|connection terminated$/);
  });

  it.each([
    ['57P01', 'SQLSTATE 57P01 (admin shutdown)'],
    ['57P02', 'SQLSTATE 57P02 (crash shutdown)'],
    ['57P03', 'SQLSTATE 57P03 (cannot connect now)'],
    ['57014', 'SQLSTATE 57014 (statement timeout)'],
    ['55P03', 'SQLSTATE 55P03 (lock timeout)'],
    ['08006', 'SQLSTATE 08006'],
    ['08001', 'SQLSTATE 08001'],
    ['53300', 'SQLSTATE 53300'],
  ])('recognises SQLSTATE %s', (code, description) => {
    expect(describeDatabaseFault(serverError(code))).toBe(description);
  });

  it.each(['Connection terminated unexpectedly', 'Connection terminated due to connection timeout', 'Query read timeout', 'timeout exceeded when trying to connect', 'Client was closed and is not queryable'])(
    'recognises node-postgres\'s "%s"',
    (message) => {
      expect(isDatabaseUnavailable(new Error(message))).toBe(true);
    },
  );

  it('looks through TypeORM\'s QueryFailedError, `cause` and AggregateError', () => {
    expect(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], serverError('57P01')))).toBe(true);
    expect(isDatabaseUnavailable(new Error('outer', { cause: new Error('Connection terminated unexpectedly') }))).toBe(true);
    const refused = Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED', syscall: 'connect' });
    expect(isDatabaseUnavailable(new AggregateError([refused], 'all attempts failed'))).toBe(true);
  });

  it('does not take other errors for an outage: constraint and syntax errors, files, programming errors', () => {
    expect(isDatabaseUnavailable(serverError('23505'))).toBe(false);
    expect(isDatabaseUnavailable(serverError('42601'))).toBe(false);
    expect(isDatabaseUnavailable(serverError('40001'))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('no such file'), { code: 'ENOENT', syscall: 'open' }))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isDatabaseUnavailable('Connection terminated unexpectedly')).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });

  it('never repeats the error\'s own message, which may name the server or hold SQL', () => {
    const leaky = Object.assign(new Error('connect ECONNREFUSED db.internal.example:5432 password=hunter2'), { code: 'ECONNREFUSED' });
    expect(describeDatabaseFault(leaky)).toBe('ECONNREFUSED');
    const sql = serverError('57014', 'canceling statement due to statement timeout: SELECT secret FROM t');
    expect(describeDatabaseFault(sql)).not.toContain('SELECT');
  });
});

describe('toOAuthError for database faults', () => {
  const logged: string[] = [];
  beforeAll(() => {
    const record = (message: unknown, ...rest: unknown[]): void =>
      void logged.push([message, ...rest].map((part) => (typeof part === 'object' ? JSON.stringify(part) : String(part))).join(' '));
    Logger.overrideLogger({ log: record, error: record, warn: record, debug: record, verbose: record, fatal: record });
  });
  afterAll(() => {
    Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']);
  });

  it('answers 503 temporarily_unavailable with Retry-After: 5 and a fixed description, and logs the SQLSTATE only', () => {
    const error = toOAuthError(serverError('57P01', 'terminating connection to db.internal.example'));
    expect({ status: error.status, body: error.toJSON(), headers: error.headers }).toEqual({
      status: 503,
      body: { error: 'temporarily_unavailable', error_description: 'the authorization server is temporarily unavailable, retry later' },
      headers: { 'Retry-After': '5' },
    });
    expect(databaseUnavailable().toJSON()).toEqual(error.toJSON());
    expect(logged).toEqual([
      'database unavailable (SQLSTATE 57P01 (admin shutdown)): answering 503 temporarily_unavailable {"fault":"SQLSTATE 57P01 (admin shutdown)","requestsSinceLastWarning":1} ParModule',
    ]);
  });

  it('still answers 500 server_error to anything else', () => {
    const error = toOAuthError(serverError('42P01', 'relation "par_x" does not exist'));
    expect({ status: error.status, body: error.toJSON() }).toEqual({ status: 500, body: { error: 'server_error', error_description: 'the server could not complete the request' } });
  });

  it("logs an unexpected error by its name and stack frames, never its message (it may quote the request's values)", () => {
    logged.length = 0;
    const error = toOAuthError(new SyntaxError('Unexpected token in JSON: "client_secret=s3cr3t-value"'));
    expect(error.status).toBe(500);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^unexpected SyntaxError in an OAuth endpoint \{"errorName":"SyntaxError"\} SyntaxError\n\s+at /);
    expect(logged[0]).toMatch(/ ParModule$/);
    expect(logged[0]).not.toContain('s3cr3t');
    expect(logged[0]).not.toContain('Unexpected token');
  });

  it("names the request's X-Request-Id in the 500 line, read from the response (no request context is running then)", () => {
    logged.length = 0;
    const res = { getHeader: (name: string) => (name === 'X-Request-Id' ? 'req-42' : undefined) } as unknown as Response;
    expect(toOAuthError(new TypeError('boom'), res).status).toBe(500);
    expect(logged[0]).toMatch(/^unexpected TypeError in an OAuth endpoint \{"errorName":"TypeError","requestId":"req-42"\} TypeError\n/);
  });
});
