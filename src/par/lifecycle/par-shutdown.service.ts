import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PAR_OPTIONS } from '../par.constants.js';
import type { ResolvedParOptions } from '../par.options.js';

/** How often the drain looks whether every connection has ended. */
const POLL_MS = 20;

/** What the drain uses of Node's `http.Server` / `https.Server` (both have it since Node 18.2). */
interface DrainableServer {
  readonly listening: boolean;
  close(): unknown;
  closeIdleConnections(): void;
  closeAllConnections(): void;
  getConnections(callback: (error: Error | null, count: number) => void): unknown;
  prependListener(event: 'request', listener: (req: IncomingMessage, res: ServerResponse) => void): unknown;
}

function isDrainableServer(server: unknown): server is DrainableServer {
  if (typeof server !== 'object' || server === null) return false;
  const s = server as Record<string, unknown>;
  return ['close', 'closeIdleConnections', 'closeAllConnections', 'getConnections', 'prependListener'].every((m) => typeof s[m] === 'function');
}

function connectionCount(server: DrainableServer): Promise<number> {
  return new Promise((resolve) => server.getConnections((error, count) => resolve(error ? 0 : count)));
}

/**
 * Graceful shutdown of the HTTP side, before the database pool closes. Nest's `app.close()` (which
 * SIGTERM triggers with `enableShutdownHooks()`) runs `beforeApplicationShutdown` hooks, then closes the
 * HTTP server, then runs `onApplicationShutdown`, where TypeORM destroys the DataSource. Left alone, the
 * HTTP server keeps serving requests that arrive on open keep-alive connections, so under load it may
 * never finish closing. Here, first: stop accepting connections, close the idle ones, answer every
 * request still arriving or in flight with `Connection: close`, and wait for them to finish, at most
 * `shutdownTimeout` seconds, after which the remaining connections are closed. Only then can the pool
 * close: a request answered during shutdown had its effects stored.
 *
 * Harmless without an HTTP server (an application context) or when the host already closed it.
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-9.6
 */
@Injectable()
export class ParShutdownService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('ParModule');
  private server: DrainableServer | undefined;
  private readonly inFlight = new Set<ServerResponse>();
  private draining = false;

  constructor(
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const server: unknown = this.adapterHost?.httpAdapter?.getHttpServer();
    if (!isDrainableServer(server)) return;
    this.server = server;
    // First in line, so that the header is set before any handler can start answering.
    server.prependListener('request', (_req, res) => this.track(res));
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server || this.draining) return;
    this.draining = true;
    for (const res of this.inFlight) closeAfter(res);
    // Stops accepting connections; Node also closes the idle keep-alive ones here.
    if (server.listening) server.close();
    server.closeIdleConnections();
    const deadline = performance.now() + this.options.shutdownTimeout * 1000;
    while ((await connectionCount(server)) > 0) {
      if (performance.now() >= deadline) {
        this.logger.warn(`shutdownTimeout (${this.options.shutdownTimeout} s) reached with ${this.inFlight.size} request(s) in flight: closing their connections`);
        server.closeAllConnections();
        return;
      }
      await sleep(POLL_MS);
    }
  }

  private track(res: ServerResponse): void {
    this.inFlight.add(res);
    if (this.draining) closeAfter(res);
    res.once('close', () => {
      this.inFlight.delete(res);
      // A response whose headers left before the shutdown kept its connection alive: it is idle now.
      if (this.draining) setImmediate(() => this.server?.closeIdleConnections());
    });
  }
}

/** `Connection: close` makes Node end the connection once this response is sent. */
function closeAfter(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('Connection', 'close');
}
