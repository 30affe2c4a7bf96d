import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';

/** The node-postgres-like connection TypeORM's postgres driver hands out. */
interface PgConnection {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
  on?(event: 'error', listener: (error: unknown) => void): unknown;
}

/**
 * node-postgres emits `error` on a checked-out connection whose socket breaks (a server restart), as
 * well as failing its query; pg-pool only listens while the connection is idle. Without a listener
 * of ours the event would be an uncaught exception that ends the process: the query's own failure is
 * what we handle.
 */
const ignoreConnectionError = (): void => undefined;

/** Connections that have our listener: added once per connection, not on and off per statement. */
const guarded = new WeakSet<PgConnection>();

function guard(connection: PgConnection): void {
  if (guarded.has(connection)) return;
  guarded.add(connection);
  connection.on?.('error', ignoreConnectionError);
}

/** TypeORM's postgres driver, as far as we use it (a public method of PostgresDriver). */
interface PooledDriver {
  obtainMasterConnection(): Promise<[PgConnection, (error?: unknown) => void]>;
}

let statements = 0;

/**
 * How many statements ParModule has sent since the process started, for requests and for its
 * background jobs (rate-limit syncs, purges); boot (the development key) and health probes are not
 * counted. Benchmarks report it per flow.
 */
export function sqlStatementCount(): number {
  return statements;
}

const names = new Map<string, string>();

/** A stable name per statement text: PostgreSQL parses and plans it once per connection. */
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `par_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * A Date as ISO 8601 UTC text, which PostgreSQL reads as the same instant into timestamptz (every
 * ParModule time column is one): node-postgres's own conversion works out the local zone offset of each
 * Date, several times the cost, on every statement of every request.
 */
function wireValue(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

/**
 * Runs one parameterised statement on a pooled connection of the DataSource and returns its rows.
 * It goes straight to the driver's connection as a named prepared statement: ParModule's statements
 * run on every request, and TypeORM's query-runner machinery and re-parsing would cost more than the
 * statements themselves.
 */
export async function queryRows<T>(dataSource: DataSource, text: string, parameters: readonly unknown[]): Promise<T[]> {
  statements += 1;
  return runStatement<T>(dataSource, text, parameters);
}

/** {@link queryRows} without counting the statement: health probes stay out of the benchmarks' figures. */
export async function runStatement<T>(dataSource: DataSource, text: string, parameters: readonly unknown[]): Promise<T[]> {
  const driver = dataSource.driver as unknown as Partial<PooledDriver>;
  if (typeof driver.obtainMasterConnection !== 'function') {
    return (await dataSource.query(text, parameters.map(wireValue))) as T[];
  }
  const [connection, release] = await driver.obtainMasterConnection();
  guard(connection);
  try {
    const result = await connection.query({ name: statementName(text), text, values: parameters.map(wireValue) });
    release();
    return result.rows as T[];
  } catch (error) {
    // A failed connection must not go back to the pool as if healthy.
    release(error);
    throw error;
  }
}

/**
 * Deletes one bounded batch of rows whose `column` is before `before`, skipping rows another purger
 * holds (no long locks, safe with several instances). Returns how many were deleted.
 */
export async function purgeBatch(dataSource: DataSource, table: string, key: string, column: string, before: Date, limit: number): Promise<number> {
  const rows = await queryRows<{ k: string }>(
    dataSource,
    `DELETE FROM ${table} WHERE ${key} IN (
       SELECT ${key} FROM ${table} WHERE ${column} < $1 LIMIT $2 FOR UPDATE SKIP LOCKED
     ) RETURNING ${key} AS k`,
    [before, limit],
  );
  return rows.length;
}
