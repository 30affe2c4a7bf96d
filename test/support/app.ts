import 'reflect-metadata';
import { createServer } from 'node:net';
import type { INestApplication, ModuleMetadata, NestApplicationOptions } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { parDataSourceOptions } from '../../src/database/data-source-options.js';
import { ParModule, type ParModuleOptions } from '../../src/par/index.js';
import type { TestDatabase } from './database.js';

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface TestApp {
  app: INestApplication;
  issuer: string;
  /** The HTTP server, for supertest. */
  server: ReturnType<INestApplication['getHttpServer']>;
  close(): Promise<void>;
}

export interface TestAppSettings {
  database: TestDatabase;
  /** ParModule options other than issuer (filled in) and clients (required). */
  par: Omit<ParModuleOptions, 'issuer'> & { issuer?: string };
  /** Extra imports / providers of the host app. */
  host?: Pick<ModuleMetadata, 'imports' | 'providers'>;
  /** How the ParModule is registered; forRoot by default. */
  register?: (options: ParModuleOptions) => NonNullable<ModuleMetadata['imports']>[number];
  /** Nest's own body parser (the default host set-up) instead of ParModule's. @default false */
  hostBodyParser?: boolean;
  /** The HTTP adapter (Nest's ExpressAdapter by default). */
  adapter?: AbstractHttpAdapter;
  /** Further NestApplicationOptions. */
  appOptions?: NestApplicationOptions;
  /** Further set-up of the app before init (global pipes, filters, interceptors). */
  configure?: (app: INestApplication) => void;
}

/**
 * Boots a Nest app with ParModule on the given database, listening on a loopback port whose URL is
 * the issuer (so that real HTTP clients such as oauth4webapi can talk to it).
 */
export async function createTestApp(settings: TestAppSettings): Promise<TestApp> {
  const port = await freePort();
  const issuer = settings.par.issuer ?? `http://127.0.0.1:${port}`;
  const options: ParModuleOptions = { purgeInterval: 0, ...settings.par, issuer };
  const register = settings.register ?? ((o: ParModuleOptions) => ParModule.forRoot(o));
  const moduleRef = await Test.createTestingModule({
    imports: [TypeOrmModule.forRoot(parDataSourceOptions(settings.database.settings)), register(options), ...(settings.host?.imports ?? [])],
    providers: [...(settings.host?.providers ?? [])],
  }).compile();
  const appOptions: NestApplicationOptions = { bodyParser: settings.hostBodyParser ?? false, logger: false, ...settings.appOptions };
  const app = settings.adapter === undefined ? moduleRef.createNestApplication(appOptions) : moduleRef.createNestApplication(settings.adapter, appOptions);
  settings.configure?.(app);
  await app.listen(port, '127.0.0.1');
  return { app, issuer, server: app.getHttpServer(), close: () => app.close() };
}

/**
 * Several app instances on one database with one issuer, as behind a load balancer: what the
 * exactly-once and replay tests run against.
 */
export async function createTestAppInstances(count: number, settings: TestAppSettings): Promise<TestApp[]> {
  // The first instance listens at the issuer URL, so real HTTP clients (discovery) can reach it.
  const first = await createTestApp(settings);
  const apps: TestApp[] = [first];
  for (let i = 1; i < count; i++) apps.push(await createTestApp({ ...settings, par: { ...settings.par, issuer: first.issuer } }));
  return apps;
}
