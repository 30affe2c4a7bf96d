import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { DataSource } from 'typeorm';
import { PAR_MIGRATIONS } from '../../../migrations/index.js';
import { describeDatabaseFault } from '../errors/database-unavailable.js';
import { PAR_DATA_SOURCE } from '../par.constants.js';
import { runStatement } from '../persistence/sql.js';

/** Options of one check. */
export interface ParHealthCheckOptions {
  /**
   * Milliseconds the check waits for PostgreSQL before it reports `down`, so that a probe never hangs
   * on a frozen server or a saturated pool.
   * @default 1000
   */
  timeout?: number;
}

const DEFAULT_TIMEOUT_MS = 1000;
/** PostgreSQL's undefined_table: the migrations table does not exist yet. */
const UNDEFINED_TABLE = '42P01';

/** The names TypeORM records for ParModule's migrations (an instance's `name`, else its class name). */
const MIGRATION_NAMES: readonly string[] = PAR_MIGRATIONS.map((Migration) => new Migration().name ?? Migration.name);

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown } | { ok: false; timedOut: true };

/** Settles with `work`'s outcome, or as timed out after `ms`; `work` is left to finish (its pool bounds it). */
async function bounded<T>(work: Promise<T>, ms: number): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, timedOut: true }), ms);
  });
  const settled = work.then(
    (value): Outcome<T> => ({ ok: true, value }),
    (error: unknown): Outcome<T> => ({ ok: false, error }),
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Why a database call failed, as a short text that is safe to publish (never the error's message). */
function reasonOf(outcome: Exclude<Outcome<unknown>, { ok: true }>, ms: number): string {
  if ('timedOut' in outcome) return `no answer within ${ms} ms`;
  return describeDatabaseFault(outcome.error) ?? 'unexpected error';
}

function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, driverError } = error as { code?: unknown; driverError?: unknown };
  if (typeof code === 'string') return code;
  return driverError === undefined ? undefined : sqlState(driverError);
}

/**
 * Health indicators for `@nestjs/terminus` readiness checks: whether ParModule's database answers, and
 * whether its schema migrations are applied. ParModule provides and exports it; the host's health
 * controller (which imports `TerminusModule` for `HealthCheckService`) injects it. Keep the database
 * out of liveness checks: an outage should take the instance out of the load balancer, not restart it.
 * The `down` details never carry an error message, only a SQLSTATE, socket code or named condition.
 *
 * @example
 * ```ts
 * @Get('ready') @HealthCheck()
 * ready() {
 *   return this.health.check([() => this.par.isDatabaseReachable(), () => this.par.areMigrationsApplied()]);
 * }
 * ```
 * @see https://docs.nestjs.com/recipes/terminus
 */
@Injectable()
export class ParHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(PAR_DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  /**
   * `SELECT 1` on ParModule's DataSource, within `options.timeout`. Up: `{ status: 'up' }`; down:
   * `{ status: 'down', reason }`, e.g. `ECONNREFUSED` or `no answer within 1000 ms`.
   */
  async isDatabaseReachable<const Key extends string = 'database'>(key: Key = 'database' as Key, options: ParHealthCheckOptions = {}): Promise<HealthIndicatorResult<Key>> {
    const session = this.health.check(key);
    const ms = checkTimeout(options);
    if (!this.dataSource.isInitialized) return session.down({ reason: 'not connected' });
    const outcome = await bounded(runStatement(this.dataSource, 'SELECT 1', []), ms);
    return outcome.ok ? session.up() : session.down({ reason: reasonOf(outcome, ms) });
  }

  /**
   * Every migration of `PAR_MIGRATIONS` is recorded in the DataSource's migrations table
   * (`migrationsTableName`). Up: `{ status: 'up' }`; down: `{ status: 'down', missing: [names] }`, or
   * `{ status: 'down', reason }` when the database cannot tell.
   */
  async areMigrationsApplied<const Key extends string = 'migrations'>(key: Key = 'migrations' as Key, options: ParHealthCheckOptions = {}): Promise<HealthIndicatorResult<Key>> {
    const session = this.health.check(key);
    const ms = checkTimeout(options);
    if (!this.dataSource.isInitialized) return session.down({ reason: 'not connected' });
    const outcome = await bounded(runStatement<{ name: string }>(this.dataSource, `SELECT name FROM ${this.migrationsTable()} WHERE name = ANY($1)`, [MIGRATION_NAMES]), ms);
    if (!outcome.ok && !('timedOut' in outcome) && sqlState(outcome.error) === UNDEFINED_TABLE) return session.down({ missing: [...MIGRATION_NAMES] });
    if (!outcome.ok) return session.down({ reason: reasonOf(outcome, ms) });
    const applied = new Set(outcome.value.map((row) => row.name));
    const missing = MIGRATION_NAMES.filter((name) => !applied.has(name));
    return missing.length === 0 ? session.up() : session.down({ missing });
  }

  /** The migrations table as TypeORM names it: `migrationsTableName` (default `migrations`), in the DataSource's schema if it has one. */
  private migrationsTable(): string {
    const { driver, options } = this.dataSource;
    const table = driver.escape(options.migrationsTableName ?? 'migrations');
    const schema = 'schema' in options && typeof options.schema === 'string' ? options.schema : undefined;
    return schema === undefined ? table : `${driver.escape(schema)}.${table}`;
  }
}

function checkTimeout(options: ParHealthCheckOptions): number {
  const ms = options.timeout ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(ms) || ms < 1) throw new RangeError('ParHealthIndicator: timeout must be a positive integer of milliseconds');
  return ms;
}
