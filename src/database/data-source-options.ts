import type { PGlite } from '@electric-sql/pglite';
import { Logger } from '@nestjs/common';
import type { DataSourceOptions } from 'typeorm';
import { PAR_MIGRATIONS } from '../../migrations/index.js';
import { describeDatabaseFault } from '../par/errors/database-unavailable.js';
import { PAR_ENTITIES } from '../par/persistence/entities.js';
import { createPGlite, pgliteDriver } from './pglite-driver.js';

/** Where the demo server and the tests keep their data. */
export interface DatabaseSettings {
  /** A PostgreSQL URL; when absent, an embedded PGlite database is used. */
  url?: string;
  /** PGlite only: a directory to persist to (in memory when absent). */
  dataDir?: string;
  /** PGlite only: an existing instance to share (several app instances on one database). */
  pglite?: PGlite;
  /** PostgreSQL only: the schema to use (tests give each file its own). */
  schema?: string;
  /** PostgreSQL only: other bounds than {@link PG_TIMEOUTS}. */
  timeouts?: Partial<PgTimeouts>;
}

/** How long any wait for PostgreSQL may last, in milliseconds (see {@link PG_TIMEOUTS}). */
export interface PgTimeouts {
  /** Opening a connection, and waiting for a free one in the pool (pg-pool `connectionTimeoutMillis`). */
  readonly connect: number;
  /** One statement, enforced by the server, which cancels it and keeps the connection (`statement_timeout`). */
  readonly statement: number;
  /** One statement, enforced by the client, for a server that stopped answering (pg `query_timeout`). */
  readonly query: number;
  /** Waiting for a row lock (`lock_timeout`). */
  readonly lock: number;
  /** A transaction left open by a crashed caller (`idle_in_transaction_session_timeout`). */
  readonly idleInTransaction: number;
  /** An unused pooled connection is closed after this (pg-pool `idleTimeoutMillis`). */
  readonly idle: number;
  /** TCP keep-alive probes start after this much silence, so dead peers are noticed (`keepAliveInitialDelayMillis`). */
  readonly keepAliveDelay: number;
}

/**
 * Bounds on every wait for PostgreSQL, so that while it is unreachable, restarting or stuck a request
 * fails within 2.5 s of reaching the database (4.5 s when it first waited for a connection), and
 * ParModule answers 503 `temporarily_unavailable`. A refused connection fails at once. Broken
 * connections leave the pool: pg-pool drops one whose socket fails while idle, ParModule destroys one
 * whose statement failed, so the pool heals by itself once the server is back.
 * ParModule's statements touch single rows or bounded batches and take milliseconds; the statement
 * timeout also applies to migrations, so a migration that needs longer sets its own
 * (`SET LOCAL statement_timeout`). The client-side query timeout is a little longer than the server's
 * statement timeout, so that a merely slow statement is cancelled by the server, keeping its connection.
 */
export const PG_TIMEOUTS: PgTimeouts = {
  connect: 2000,
  statement: 2000,
  query: 2500,
  lock: 1000,
  idleInTransaction: 10_000,
  idle: 10_000,
  keepAliveDelay: 10_000,
};

const poolLogger = new Logger('Database');

/**
 * TypeORM options for ParModule's tables, on PostgreSQL (`pg`) or embedded PGlite: the same migrations
 * and the same SQL on both. Migrations run at start-up; `synchronize` is never used.
 */
export function parDataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities: [...PAR_ENTITIES],
    migrations: [...PAR_MIGRATIONS],
    migrationsRun: true,
    migrationsTableName: 'par_migrations',
    synchronize: false,
    logging: false,
  };
  if (settings.url) {
    const timeouts = { ...PG_TIMEOUTS, ...settings.timeouts };
    return {
      ...common,
      url: settings.url,
      poolSize: 10,
      connectTimeoutMS: timeouts.connect,
      extra: {
        statement_timeout: timeouts.statement,
        query_timeout: timeouts.query,
        lock_timeout: timeouts.lock,
        idle_in_transaction_session_timeout: timeouts.idleInTransaction,
        idleTimeoutMillis: timeouts.idle,
        keepAlive: true,
        keepAliveInitialDelayMillis: timeouts.keepAliveDelay,
        ...(settings.schema ? { options: `-c search_path=${settings.schema}` } : {}),
      },
      // An idle pooled connection that breaks (a server restart) is dropped by the pool, which reports
      // it here. Only the fault's code is logged: the message may name the server.
      poolErrorHandler: (error: unknown) => poolLogger.warn(`a pooled connection failed and was dropped (${describeDatabaseFault(error) ?? 'unexpected error'})`),
    };
  }
  const db = settings.pglite ?? createPGlite(settings.dataDir);
  return { ...common, driver: pgliteDriver(db, settings.pglite === undefined) };
}
