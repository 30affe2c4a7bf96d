import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../../src/app.module.js';
import { type DemoConfig, readDemoConfig } from '../../src/demo/demo-config.js';
import { configureDemoApp } from '../../src/demo/configure-demo-app.js';
import { type ClientMetadata, ParExpressAdapter, type ParModuleOptions } from '../../src/par/index.js';
import { freePort } from './app.js';
import type { TestDatabase } from './database.js';

/** The demo server (AppModule: ParModule + the demo login and consent pages), listening on loopback. */
export interface DemoApp {
  app: NestExpressApplication;
  /** `http://127.0.0.1:<port>`: where the app listens, and its issuer identifier. */
  issuer: string;
  port: number;
  /** The HTTP server, for supertest. */
  server: Server;
  config: DemoConfig;
  close(): Promise<void>;
}

export interface DemoAppSettings {
  database: TestDatabase;
  clients: readonly ClientMetadata[];
  /** Further ParModule options (issuer and clients are filled in). */
  par?: Omit<Partial<ParModuleOptions>, 'issuer' | 'clients'>;
  /** Set BENCH_AUTO_APPROVE=1 in the environment the demo's configuration is read from. */
  benchAutoApprove?: boolean;
}

/**
 * Boots the demo app as src/main.ts does (readDemoConfig, AppModule.register, Nest's body parser off), on
 * a free loopback port whose URL is the issuer, with the given database and clients. The background
 * purge is off (tests drop their database instead).
 */
export async function createDemoApp(settings: DemoAppSettings): Promise<DemoApp> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  // The demo's own configuration (as src/main.ts reads it, from an environment of just these
  // variables, so that nothing of the test runner's environment leaks in), on the test's database
  // and with the test's clients.
  const demo = readDemoConfig({ PORT: String(port), ISSUER: issuer, ...(settings.benchAutoApprove === true && { BENCH_AUTO_APPROVE: '1' }) });
  const config: DemoConfig = {
    ...demo,
    port,
    database: settings.database.settings,
    par: { ...demo.par, issuer, clients: settings.clients, purgeInterval: 0, ...settings.par },
  };
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), new ParExpressAdapter(), { bodyParser: false, logger: false });
  configureDemoApp(app);
  try {
    await app.listen(port, '127.0.0.1');
  } catch (error) {
    await app.close();
    throw error;
  }
  return { app, issuer, port, server: app.getHttpServer() as Server, config, close: () => app.close() };
}

/** A client's redirect_uri: a plain HTTP server that records every request to /cb. */
export interface RedirectTarget {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** `${origin}/cb`: the redirect_uri to register. */
  redirectUri: string;
  /** The query parameters of each request to /cb, in order. */
  readonly requests: Record<string, string>[];
  close(): Promise<void>;
}

/** Starts a redirect target on a free loopback port: /cb answers 200 "done", anything else 404. */
export async function startRedirectTarget(): Promise<RedirectTarget> {
  const requests: Record<string, string>[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/cb') {
      requests.push(Object.fromEntries(url.searchParams));
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end('done');
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    redirectUri: `${origin}/cb`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
