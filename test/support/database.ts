import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { DatabaseSettings } from '../../src/database/data-source-options.js';
import { createPGlite } from '../../src/database/pglite-driver.js';

/** Which database the suite runs on: PostgreSQL when DATABASE_URL is set, embedded PGlite otherwise. */
export const DATABASE_URL = process.env.DATABASE_URL;

/** A database of its own for one test file (or one group of app instances that share it). */
export interface TestDatabase {
  readonly settings: DatabaseSettings;
  /** Runs SQL directly on it, outside any app (to inspect what was stored). */
  query<T = Record<string, unknown>>(text: string, parameters?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database: a new schema on the PostgreSQL server (so that test files running in
 * parallel never see each other's rows), or a new in-memory PGlite instance.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (DATABASE_URL) {
    const schema = `par_test_${randomBytes(6).toString('hex')}`;
    const client = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path=${schema}` });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    return {
      settings: { url: DATABASE_URL, schema },
      query: async <T>(text: string, parameters: unknown[] = []) => (await client.query(text, parameters)).rows as T[],
      drop: async () => {
        await client.query(`DROP SCHEMA ${schema} CASCADE`);
        await client.end();
      },
    };
  }
  const db: PGlite = createPGlite();
  await db.waitReady;
  return {
    settings: { pglite: db },
    query: async <T>(text: string, parameters: unknown[] = []) => (await db.query(text, parameters)).rows as T[],
    drop: async () => {
      await db.close();
    },
  };
}
