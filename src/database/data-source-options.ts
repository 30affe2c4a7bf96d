import type { PGlite } from '@electric-sql/pglite';
import type { DataSourceOptions } from 'typeorm';
import { PAR_MIGRATIONS } from '../../migrations/index.js';
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
}

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
    return {
      ...common,
      url: settings.url,
      poolSize: 10,
      connectTimeoutMS: 5000,
      extra: settings.schema ? { options: `-c search_path=${settings.schema}` } : {},
    };
  }
  const db = settings.pglite ?? createPGlite(settings.dataDir);
  return { ...common, driver: pgliteDriver(db, settings.pglite === undefined) };
}
