import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAR_MIGRATIONS } from '../../src/par/index.js';
import { BASIC_CLIENT } from '../fixtures/clients.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createDemoApp, type DemoApp } from '../support/demo-app.js';
import { startPostgresCluster, type PostgresCluster } from '../support/postgres-cluster.js';

/**
 * The demo's probes: GET /health/live (nothing outside the process) and GET /health/ready (database
 * and migrations, through ParHealthIndicator and @nestjs/terminus).
 */
const LIVE = { status: 'ok', info: {}, error: {}, details: {} };
const UP = { status: 'up' };
/** Every migration ParModule ships, by class name (what TypeORM records), oldest first. */
const MIGRATION_NAMES = PAR_MIGRATIONS.map((migration) => migration.name);
const LAST_MIGRATION = MIGRATION_NAMES.at(-1);
/** A probe that hangs is a failed probe: no answer may take longer (the checks give up after 1 s). */
const PROBE_BOUND_MS = 4000;

function probe(app: DemoApp, path: '/health/live' | '/health/ready'): request.Test {
  return request(app.server).get(path).timeout({ response: PROBE_BOUND_MS });
}

describe('health probes on a migrated database', () => {
  let db: TestDatabase;
  let app: DemoApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createDemoApp({ database: db, clients: [BASIC_CLIENT] });
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('live answers 200 without looking at the database', async () => {
    const res = await probe(app, '/health/live');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual(LIVE);
  });

  it('ready answers 200 when the database answers and every migration is applied', async () => {
    const res = await probe(app, '/health/ready');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({
      status: 'ok',
      info: { database: UP, migrations: UP },
      error: {},
      details: { database: UP, migrations: UP },
    });
  });

  it('ready answers 503 naming the missing migration when one is not recorded', async () => {
    const [row] = await db.query<{ id: number; timestamp: string; name: string }>('SELECT id, timestamp, name FROM par_migrations WHERE name = $1', [LAST_MIGRATION]);
    await db.query('DELETE FROM par_migrations WHERE name = $1', [LAST_MIGRATION]);
    try {
      const res = await probe(app, '/health/ready');
      const down = { status: 'down', missing: [LAST_MIGRATION] };
      expect(res.status).toBe(503);
      expect(res.body).toEqual({
        status: 'error',
        info: { database: UP },
        error: { migrations: down },
        details: { database: UP, migrations: down },
      });
      expect((await probe(app, '/health/live')).status).toBe(200);
    } finally {
      await db.query('INSERT INTO par_migrations (id, timestamp, name) VALUES ($1, $2, $3)', [row?.id, row?.timestamp, row?.name]);
    }
    expect((await probe(app, '/health/ready')).status).toBe(200);
  });

  it('ready answers 503 naming every migration when the migrations table is missing', async () => {
    await db.query('ALTER TABLE par_migrations RENAME TO par_migrations_away');
    try {
      const res = await probe(app, '/health/ready');
      expect(res.status).toBe(503);
      expect(res.body.error).toEqual({
        migrations: {
          status: 'down',
          missing: MIGRATION_NAMES,
        },
      });
    } finally {
      await db.query('ALTER TABLE par_migrations_away RENAME TO par_migrations');
    }
  });
});

/** This part always runs on a PostgreSQL server of its own, which it stops and freezes. */
describe('health probes while PostgreSQL is down or frozen', () => {
  let cluster: PostgresCluster;
  let app: DemoApp;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    app = await createDemoApp({ database: cluster.database, clients: [BASIC_CLIENT] });
  });
  afterAll(async () => {
    await app?.close();
    await cluster?.destroy();
  });

  function expectDatabaseDown(res: request.Response, reason: string): void {
    const down = { status: 'down', reason };
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      status: 'error',
      info: {},
      error: { database: down, migrations: down },
      details: { database: down, migrations: down },
    });
  }

  it('ready answers 503 with database down when the server is stopped, live stays 200', async () => {
    await cluster.stop('fast');
    try {
      expectDatabaseDown(await probe(app, '/health/ready'), 'ECONNREFUSED');
      const live = await probe(app, '/health/live');
      expect(live.status).toBe(200);
      expect(live.body).toEqual(LIVE);
    } finally {
      await cluster.start();
    }
    expect((await probe(app, '/health/ready')).status).toBe(200);
  });

  it('ready answers 503 with database down within the check timeout when the server is frozen, live stays 200', async () => {
    await cluster.freeze();
    try {
      expectDatabaseDown(await probe(app, '/health/ready'), 'no answer within 1000 ms');
      const live = await probe(app, '/health/live');
      expect(live.status).toBe(200);
      expect(live.body).toEqual(LIVE);
    } finally {
      await cluster.thaw();
    }
  });
});
