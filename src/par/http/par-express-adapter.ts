import { createServer as createHttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express } from 'express';

/** The constructors Node's HTTP server creates requests and responses with. */
export interface ExpressMessageClasses {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
}

/**
 * Request and response constructors whose instances have the Express app's own prototypes
 * (`app.request`, `app.response`) from the start. Express otherwise swaps the prototype of every
 * request and response as it enters the app, and V8 then slows down every property access on them:
 * on Node 20 a small POST to a Nest controller costs about 90 µs of server CPU with the swap and
 * 33 µs without it (`node test/bench/framework-floor.mjs`). Express's own swap then finds the
 * prototype already in place and changes nothing; sub-apps still swap and swap back as they always have.
 * `node` is Node's pair (a parameter for tests): kept as they are if they ever become classes.
 * @see https://github.com/expressjs/express/issues/5998
 */
export function expressMessageClasses(app: Express, node: ExpressMessageClasses = { IncomingMessage, ServerResponse }): ExpressMessageClasses {
  // Node's constructors are plain functions; a class could not be called as one: keep Node's then.
  if (isClass(node.IncomingMessage) || isClass(node.ServerResponse)) return node;
  // Function constructors, on purpose: V8 builds `this` with the prototype's map and keeps it fast.
  // (Reflect.construct with another new.target made a small POST five times slower here.)
  const incomingMessage = node.IncomingMessage as unknown as (this: IncomingMessage, socket: Socket) => void;
  const serverResponse = node.ServerResponse as unknown as (this: ServerResponse, req: IncomingMessage, options?: unknown) => void;
  function ExpressRequest(this: IncomingMessage, socket: Socket): void {
    incomingMessage.call(this, socket);
  }
  ExpressRequest.prototype = app.request;
  function ExpressResponse(this: ServerResponse, req: IncomingMessage, options?: unknown): void {
    serverResponse.call(this, req, options);
  }
  ExpressResponse.prototype = app.response;
  return { IncomingMessage: ExpressRequest as unknown as typeof IncomingMessage, ServerResponse: ExpressResponse as unknown as typeof ServerResponse };
}

function isClass(constructor: unknown): boolean {
  return /^class\b/.test(Function.prototype.toString.call(constructor));
}

/**
 * Nest's ExpressAdapter, with an HTTP(S) server that creates requests and responses with the Express
 * app's prototypes ({@link expressMessageClasses}): the same app, with a third of the framework's CPU
 * per request. Use it where the app is created:
 * `NestFactory.create(AppModule, new ParExpressAdapter(), options)`.
 *
 * With Nest's `forceCloseConnections` or `return503OnClosing` options it leaves the server to Nest's
 * own adapter (those options hook into how Nest creates it).
 */
export class ParExpressAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    if (options?.forceCloseConnections === true || options?.return503OnClosing === true) {
      super.initHttpServer(options);
      return;
    }
    const app = this.getInstance<Express>();
    const classes = expressMessageClasses(app);
    this.setHttpServer(options?.httpsOptions ? createHttpsServer({ ...options.httpsOptions, ...classes }, app) : createHttpServer(classes, app));
  }
}
