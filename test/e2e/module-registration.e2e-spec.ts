import { type DynamicModule, Global, Inject, Injectable, type INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parDataSourceOptions } from '../../src/database/data-source-options.js';
import { type ClientMetadata, type ClientRegistry, PAR_OPTIONS, ParModule, type ParModuleOptions, type ResolvedParOptions } from '../../src/par/index.js';
import { BASIC_CLIENT, PUBLIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, freePort, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { authorizationParams, basicAuth, form } from '../support/oauth.js';

const REQUEST_URI = /^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/;
const AUTH = basicAuth(BASIC_CLIENT.client_id, BASIC_CLIENT.client_secret);

/** Pushes a valid request as BASIC_CLIENT and expects the RFC 9126 §2.2 success answer. */
async function expectPushAccepted(server: TestApp['server'], expiresIn = 60): Promise<string> {
  const res = await request(server).post('/par').set('Authorization', AUTH).type('form').send(form(authorizationParams(BASIC_CLIENT.redirect_uris[0])));
  expect(res.status).toBe(201);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(Object.keys(res.body as object).sort()).toEqual(['expires_in', 'request_uri']);
  expect(res.body).toEqual({ request_uri: expect.stringMatching(REQUEST_URI), expires_in: expiresIn });
  return (res.body as { request_uri: string }).request_uri;
}

/** Expects discovery to advertise `issuer` and its PAR endpoint. */
async function expectDiscovery(server: TestApp['server'], issuer: string): Promise<void> {
  const res = await request(server).get('/.well-known/oauth-authorization-server');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ issuer, pushed_authorization_request_endpoint: `${issuer}/par` });
}

/** A stand-in for TypeORM's default DataSource, for boots that are meant to fail (no database work). */
@Global()
@Module({ providers: [{ provide: getDataSourceToken(), useValue: {} }], exports: [getDataSourceToken()] })
class FakeDataSourceModule {}

/** Host configuration: a module of the host app exporting the ParModule options under a token. */
const HOST_PAR_CONFIG = Symbol('HOST_PAR_CONFIG');

@Module({})
class HostConfigModule {
  static with(options: ParModuleOptions): DynamicModule {
    return { module: HostConfigModule, providers: [{ provide: HOST_PAR_CONFIG, useValue: options }], exports: [HOST_PAR_CONFIG] };
  }
}

/** An options factory of the host, as `forRootAsync({ useClass | useExisting })` expects it. */
@Injectable()
class HostParOptionsFactory {
  constructor(@Inject(HOST_PAR_CONFIG) private readonly config: ParModuleOptions) {}

  async create(): Promise<ParModuleOptions> {
    return { ...this.config, requestUriTtl: 45 };
  }
}

/** A host module that provides and exports the factory (for `useExisting`). */
@Module({})
class HostFactoryModule {
  static with(options: ParModuleOptions): DynamicModule {
    return {
      module: HostFactoryModule,
      imports: [HostConfigModule.with(options)],
      providers: [HostParOptionsFactory],
      exports: [HostParOptionsFactory],
    };
  }
}

describe('ParModule registration', () => {
  let db: TestDatabase;
  let t: TestApp | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('forRoot(options)', async () => {
    t = await createTestApp({ database: db, par: { clients: [BASIC_CLIENT] }, register: (options) => ParModule.forRoot(options) });
    await expectPushAccepted(t.server);
    await expectDiscovery(t.server, t.issuer);
  });

  it('forRootAsync({ useFactory, inject }) with a provider of an imported host module', async () => {
    t = await createTestApp({
      database: db,
      par: { clients: [BASIC_CLIENT] },
      register: (options) =>
        ParModule.forRootAsync({
          imports: [HostConfigModule.with(options)],
          inject: [HOST_PAR_CONFIG],
          useFactory: async (config: ParModuleOptions) => ({ ...config, requestUriTtl: 30 }),
        }),
    });
    await expectPushAccepted(t.server, 30);
    await expectDiscovery(t.server, t.issuer);
  });

  it('forRootAsync({ useClass }) with a class implementing create()', async () => {
    t = await createTestApp({
      database: db,
      par: { clients: [BASIC_CLIENT] },
      register: (options) => ParModule.forRootAsync({ imports: [HostConfigModule.with(options)], useClass: HostParOptionsFactory }),
    });
    await expectPushAccepted(t.server, 45);
    await expectDiscovery(t.server, t.issuer);
  });

  it('forRootAsync({ useExisting }) with a factory exported by an imported host module', async () => {
    t = await createTestApp({
      database: db,
      par: { clients: [BASIC_CLIENT] },
      register: (options) => ParModule.forRootAsync({ imports: [HostFactoryModule.with(options)], useExisting: HostParOptionsFactory }),
    });
    await expectPushAccepted(t.server, 45);
    await expectDiscovery(t.server, t.issuer);
  });

  describe('a custom ClientRegistry as `clients`', () => {
    const lookups: string[] = [];
    const registry: ClientRegistry = {
      async findClient(clientId: string): Promise<ClientMetadata | undefined> {
        lookups.push(clientId);
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (clientId === 'registry-outage') throw new Error('connection refused by db.internal:5432');
        return clientId === BASIC_CLIENT.client_id ? { ...BASIC_CLIENT } : clientId === PUBLIC_CLIENT.client_id ? PUBLIC_CLIENT : undefined;
      },
    };

    beforeAll(() => {
      lookups.length = 0;
    });

    it('authenticates the clients it returns', async () => {
      t = await createTestApp({ database: db, par: { clients: registry } });
      await expectPushAccepted(t.server);
      await expectPushAccepted(t.server);
      expect(lookups).toEqual([BASIC_CLIENT.client_id, BASIC_CLIENT.client_id]);
      const pub = await request(t.server)
        .post('/par')
        .type('form')
        .send(form({ ...authorizationParams(PUBLIC_CLIENT.redirect_uris[0]), client_id: PUBLIC_CLIENT.client_id }));
      expect(pub.status).toBe(201);
    });

    it('answers invalid_client for a client it does not know, and for a wrong secret', async () => {
      t = await createTestApp({ database: db, par: { clients: registry } });
      const unknown = await request(t.server).post('/par').set('Authorization', basicAuth('nobody', BASIC_CLIENT.client_secret)).type('form').send(form(authorizationParams(BASIC_CLIENT.redirect_uris[0])));
      expectOAuthError(unknown, 401, 'invalid_client', 'client authentication failed');
      const wrong = await request(t.server).post('/par').set('Authorization', basicAuth(BASIC_CLIENT.client_id, `${BASIC_CLIENT.client_secret}x`)).type('form').send(form(authorizationParams(BASIC_CLIENT.redirect_uris[0])));
      expectOAuthError(wrong, 401, 'invalid_client', 'client authentication failed');
    });

    it('turns a failing registry into a 500 server_error that does not leak the cause', async () => {
      t = await createTestApp({ database: db, par: { clients: registry } });
      const res = await request(t.server).post('/par').type('form').send(form({ ...authorizationParams(PUBLIC_CLIENT.redirect_uris[0]), client_id: 'registry-outage' }));
      expectOAuthError(res, 500, 'server_error', /^the server could not complete the request$/);
      expect(res.text).not.toContain('db.internal');
    });
  });

  describe('isGlobal', () => {
    /** A host feature module that does not import ParModule but injects what it exports. */
    @Injectable()
    class IssuerReporter {
      constructor(@Inject(PAR_OPTIONS) readonly options: ResolvedParOptions) {}
    }
    @Module({ providers: [IssuerReporter], exports: [IssuerReporter] })
    class FeatureModule {}

    it('true: ParModule exports are injectable in modules that do not import it', async () => {
      t = await createTestApp({
        database: db,
        par: { clients: [BASIC_CLIENT] },
        register: (options) => ParModule.forRoot({ ...options, isGlobal: true }),
        host: { imports: [FeatureModule] },
      });
      expect(t.app.get(IssuerReporter).options.issuer).toBe(t.issuer);
      await expectPushAccepted(t.server);
    });

    it('true, through forRootAsync', async () => {
      t = await createTestApp({
        database: db,
        par: { clients: [BASIC_CLIENT] },
        register: (options) => ParModule.forRootAsync({ useFactory: () => options, isGlobal: true }),
        host: { imports: [FeatureModule] },
      });
      expect(t.app.get(IssuerReporter).options.issuer).toBe(t.issuer);
    });

    it('false (the default): they are not', async () => {
      const options: ParModuleOptions = { issuer: 'https://as.example.com', clients: [BASIC_CLIENT] };
      await expect(Test.createTestingModule({ imports: [FakeDataSourceModule, ParModule.forRoot(options), FeatureModule] }).compile()).rejects.toThrow(
        /resolve dependencies of the IssuerReporter/,
      );
    });
  });
});

describe('ParModule on a named DataSource (dataSourceName)', () => {
  let db: TestDatabase;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('stores through the DataSource of that name, with no default DataSource present', async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({ ...parDataSourceOptions(db.settings), name: 'auth' }),
        ParModule.forRoot({ issuer, clients: [BASIC_CLIENT], purgeInterval: 0, dataSourceName: 'auth' }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ bodyParser: false, logger: false });
    await app.listen(port, '127.0.0.1');
    const server = app.getHttpServer();

    expect(app.get<DataSource>(getDataSourceToken('auth')).isInitialized).toBe(true);
    expect(() => app?.get(getDataSourceToken())).toThrow();

    await expectPushAccepted(server);
    await expectDiscovery(server, issuer);
    const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM par_pushed_request WHERE client_id = $1', [BASIC_CLIENT.client_id]);
    expect(rows[0]?.n).toBe(1);
  });
});

describe('ParModule boot with invalid options', () => {
  const compile = (par: DynamicModule) => Test.createTestingModule({ imports: [FakeDataSourceModule, par] }).compile();
  const valid: ParModuleOptions = { issuer: 'https://as.example.com', clients: [BASIC_CLIENT] };

  it('forRoot: fails naming the option', async () => {
    await expect(compile(ParModule.forRoot({ ...valid, issuer: 'http://as.example.com' }))).rejects.toThrow(/ParModule option "issuer" must use https/);
    await expect(compile(ParModule.forRoot({ ...valid, requestUriTtl: 600 }))).rejects.toThrow(/ParModule option "requestUriTtl"/);
    await expect(compile(ParModule.forRoot({ ...valid, clients: [{ ...BASIC_CLIENT, client_secret: 'short' }] }))).rejects.toThrow(
      /ParModule option "clients\[0\]\.client_secret"/,
    );
  });

  it('forRootAsync: fails naming the option', async () => {
    await expect(compile(ParModule.forRootAsync({ useFactory: async () => ({ ...valid, issuer: 'https://as.example.com/?x' }) }))).rejects.toThrow(
      /ParModule option "issuer"/,
    );
  });

  it('the error is a ParConfigurationError', async () => {
    const error: unknown = await compile(ParModule.forRoot({ ...valid, clockSkew: 60 })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ParConfigurationError', option: 'clockSkew' });
  });
});
