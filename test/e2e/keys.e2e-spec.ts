import { type DynamicModule, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK, jwtVerify } from 'jose';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParModule, sqlStatementCount } from '../../src/par/index.js';
import { BASIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, createTestAppInstances, freePort, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { fetchJwks, introspect, obtainTokens, tokenRequest } from '../support/tokens.js';
import { pushRequest } from '../support/flow.js';

const CLIENT = { ...BASIC_CLIENT, grant_types: ['authorization_code', 'client_credentials'] };

/** A fresh private JWK with `kid` and `alg`. */
async function privateJwk(alg: 'ES256' | 'EdDSA', kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg };
}

/** What /jwks must publish of a private JWK: everything but the private members, with use "sig". */
function publicPart(jwk: JWK): JWK {
  const { d: _d, ...rest } = jwk;
  return { ...rest, use: 'sig' };
}

/** A client_credentials access token from `t`. */
async function accessToken(t: TestApp): Promise<string> {
  const res = await tokenRequest(t, CLIENT, { grant_type: 'client_credentials', scope: 'api:read' });
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

describe('signingKeys (RFC 7517 key set, rotation)', () => {
  let db: TestDatabase;
  let k1: JWK;
  let k2: JWK;
  let issuer: string;
  /** Configured [k1, k2]. */
  let before: TestApp;
  /** The next deployment: [k2, k1]. */
  let after: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    k1 = await privateJwk('ES256', 'k1');
    k2 = await privateJwk('EdDSA', 'k2');
    issuer = `http://127.0.0.1:${await freePort()}`;
    before = await createTestApp({ database: db, par: { clients: [CLIENT], issuer, signingKeys: [k1, k2] } });
    after = await createTestApp({ database: db, par: { clients: [CLIENT], issuer, signingKeys: [k2, k1] } });
  });
  afterAll(async () => {
    await before?.close();
    await after?.close();
    await db?.drop();
  });

  it('publishes every key at /jwks, public members only, with kid, alg and use sig, as application/jwk-set+json', async () => {
    const res = await request(before.server).get('/jwks');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/jwk-set\+json/);
    const body = JSON.parse(res.text) as { keys: JWK[] };
    expect(body).toEqual({ keys: [publicPart(k1), publicPart(k2)] });
    expect(body.keys[0]).toEqual({ kty: 'EC', crv: 'P-256', x: k1.x, y: k1.y, kid: 'k1', alg: 'ES256', use: 'sig' });
    expect(body.keys[1]).toEqual({ kty: 'OKP', crv: 'Ed25519', x: k2.x, kid: 'k2', alg: 'EdDSA', use: 'sig' });
    for (const key of body.keys) for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'key_ops', 'ext']) expect(key).not.toHaveProperty(member);
  });

  it('signs access and ID tokens with the first key, and says so in discovery', async () => {
    const tokens = await obtainTokens(before, CLIENT, { push: { scope: 'openid api:read' } });
    expect(decodeProtectedHeader(tokens.access_token)).toEqual({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' });
    expect(decodeProtectedHeader(tokens.id_token ?? '')).toEqual({ alg: 'ES256', kid: 'k1', typ: 'JWT' });
    const { keys } = await fetchJwks(before);
    await jwtVerify(tokens.access_token, keys, { typ: 'at+jwt', issuer, audience: issuer });
    await jwtVerify(tokens.id_token ?? '', keys, { issuer, audience: CLIENT.client_id });
    const metadata = await request(before.server).get('/.well-known/oauth-authorization-server');
    expect(metadata.body.id_token_signing_alg_values_supported).toEqual(['ES256']);
  });

  it('rotates: the next deployment signs with k2 and still accepts tokens signed earlier with k1', async () => {
    const earlier = await accessToken(before);
    const { keys } = await fetchJwks(after);
    const { payload, protectedHeader } = await jwtVerify(earlier, keys, { typ: 'at+jwt', issuer, audience: issuer });
    expect(protectedHeader.kid).toBe('k1');
    expect(payload.client_id).toBe(CLIENT.client_id);
    expect((await introspect(after, CLIENT, earlier)).body).toMatchObject({ active: true, jti: decodeJwt(earlier).jti });

    const later = await accessToken(after);
    expect(decodeProtectedHeader(later)).toEqual({ alg: 'EdDSA', kid: 'k2', typ: 'at+jwt' });
    await jwtVerify(later, (await fetchJwks(before)).keys, { typ: 'at+jwt', issuer, audience: issuer });
    expect((await introspect(before, CLIENT, later)).body).toMatchObject({ active: true });
    expect((await request(after.server).get('/.well-known/oauth-authorization-server')).body.id_token_signing_alg_values_supported).toEqual(['EdDSA']);
  });

  it('refuses tokens of a key once it is removed from signingKeys', async () => {
    const earlier = await accessToken(before);
    const retired = await createTestApp({ database: db, par: { clients: [CLIENT], issuer, signingKeys: [k2] } });
    try {
      const { body, keys } = await fetchJwks(retired);
      expect(body).toEqual({ keys: [publicPart(k2)] });
      await expect(jwtVerify(earlier, keys, { typ: 'at+jwt', issuer, audience: issuer })).rejects.toThrow();
      expect((await introspect(retired, CLIENT, earlier)).body).toEqual({ active: false });
    } finally {
      await retired.close();
    }
  });
});

/** A promise and its resolver. */
interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}
function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** The part of TypeORM's postgres driver that ParModule's SQL goes through (src/par/persistence/sql.ts). */
interface PgConnection {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}
type Release = (error?: unknown) => void;
interface PooledDriver {
  obtainMasterConnection(): Promise<[PgConnection, Release]>;
}

/**
 * The default DataSource, seen through a slow network: the statement that stores a development key
 * waits (without holding a connection) until `gate` opens, and `entered` says it got there.
 */
function slowKeyStoreDataSource(real: DataSource, entered: Deferred, gate: Deferred): DataSource {
  const driver = real.driver as unknown as PooledDriver;
  const slowDriver: PooledDriver = {
    async obtainMasterConnection() {
      let [connection, release] = await driver.obtainMasterConnection();
      const slow: PgConnection = {
        async query(config) {
          if (config.text.startsWith('INSERT INTO par_signing_key')) {
            release();
            entered.resolve();
            await gate.promise;
            [connection, release] = await driver.obtainMasterConnection();
          }
          return connection.query(config);
        },
      };
      return [slow, (error) => release(error)];
    },
  };
  return { driver: slowDriver } as unknown as DataSource;
}

/** Provides the slow DataSource as the named DataSource "slow", for `ParModule.forRoot({ dataSourceName: 'slow' })`. */
@Module({})
class SlowDataSourceModule {
  static with(entered: Deferred, gate: Deferred): DynamicModule {
    const token = getDataSourceToken('slow');
    return {
      module: SlowDataSourceModule,
      global: true,
      providers: [{ provide: token, useFactory: (real: DataSource) => slowKeyStoreDataSource(real, entered, gate), inject: [getDataSourceToken()] }],
      exports: [token],
    };
  }
}

describe('the development key (no signingKeys)', () => {
  let db: TestDatabase;
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    [first, second] = (await createTestAppInstances(2, { database: db, par: { clients: [CLIENT] } })) as [TestApp, TestApp];
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await db?.drop();
  });

  it('is generated once, kept in the database, and used by every instance', async () => {
    const a = await fetchJwks(first);
    const b = await fetchJwks(second);
    expect(a.body.keys).toHaveLength(1);
    expect(a.body).toEqual(b.body);
    expect(a.body.keys[0]).toEqual({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: expect.any(String), alg: 'ES256', use: 'sig' });
    const rows = await db.query<{ kid: string }>("SELECT private_jwk->>'kid' AS kid FROM par_signing_key");
    expect(rows).toEqual([{ kid: a.body.keys[0]?.kid }]);
    const token = await accessToken(first);
    expect(decodeProtectedHeader(token).kid).toBe(a.body.keys[0]?.kid);
    await jwtVerify(token, b.keys, { typ: 'at+jwt' });
    expect((await introspect(second, CLIENT, token)).body).toMatchObject({ active: true });
  });

  it('is the same for instances that start at the same time on a database without one', async () => {
    // Instance "slow" finds no key and generates one, but its INSERT is delayed (a slow round trip);
    // meanwhile instance "fast" finds no key either, generates and stores its own, and starts.
    const db2 = await createTestDatabase();
    const issuer = `http://127.0.0.1:${await freePort()}`;
    const seed = await createTestApp({ database: db2, par: { clients: [CLIENT], issuer, signingKeys: [await privateJwk('ES256', 'seed')] } }); // runs the migrations only
    await seed.close();
    const entered = deferred();
    const gate = deferred();
    const slowStart = createTestApp({
      database: db2,
      par: { clients: [CLIENT], issuer },
      register: (options) => ParModule.forRoot({ ...options, dataSourceName: 'slow' }),
      host: { imports: [SlowDataSourceModule.with(entered, gate)] },
    });
    const apps: Array<Promise<TestApp | undefined>> = [slowStart.catch(() => undefined)];
    try {
      await entered.promise;
      const fastStart = createTestApp({ database: db2, par: { clients: [CLIENT], issuer } });
      apps.push(fastStart.catch(() => undefined));
      const fast = await fastStart;
      gate.resolve();
      const slow = await slowStart;
      const token = await accessToken(slow);
      expect((await fetchJwks(slow)).body).toEqual((await fetchJwks(fast)).body);
      expect((await introspect(fast, CLIENT, token)).body).toMatchObject({ active: true });
    } finally {
      gate.resolve();
      for (const app of await Promise.all(apps)) await app?.close();
      await db2.drop();
    }
  });
});

describe('sqlStatementCount (what the benchmarks report per flow)', () => {
  let db: TestDatabase;
  let t: TestApp | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('counts the statements of requests, not the boot reading or making the development key', async () => {
    const before = sqlStatementCount();
    t = await createTestApp({ database: db, par: { clients: [CLIENT], rateLimits: false } });
    const booted = sqlStatementCount();
    expect(booted - before, 'boot').toBe(0);
    expect((await accessToken(t)).split('.')).toHaveLength(3);
    expect(sqlStatementCount() - booted, 'a client_credentials grant stores nothing').toBe(0);
    await pushRequest(t, CLIENT);
    expect(sqlStatementCount() - booted, 'one push, one INSERT').toBe(1);
  });
});
