import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { logLevelEnabled, parLogger } from './par-logger.js';
import { newRequestId, type RequestContext, requestContextRead, runInRequest, saneRequestId } from './request-context.js';

/** Marks a request that has its id already. */
const GIVEN = Symbol('parRequestId');

/** The header that carries the request id, in and out. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * Gives each request an id: the inbound `X-Request-Id` when it is sane (1 to 128 of `A-Za-z0-9._:-`),
 * else a fresh random one; echoes it in the `X-Request-Id` response header, and keeps it for the
 * request's log lines and events. With the `debug` log level on, logs each request's outcome
 * (endpoint, status, OAuth error code, client_id, duration).
 *
 * ParModule applies it to its own routes only; a host may apply it to its login and consent pages, so
 * that the events of an interaction's end carry the id too.
 */
@Injectable()
export class RequestIdMiddleware implements NestMiddleware {
  use(req: Request & { [GIVEN]?: true }, res: Response, next: NextFunction): void {
    // Nest applies a controller's middleware once per route, so a path with both @Post and @All passes twice.
    if (req[GIVEN] === true) {
      next();
      return;
    }
    req[GIVEN] = true;
    inRequest(req, res, next);
  }
}

/**
 * Serves one request to ParModule's own routes in its context (id, response header, outcome line).
 * Each handler calls it, rather than the module registering {@link RequestIdMiddleware} for its routes:
 * every middleware route is an Express layer that each request to the app, the host's included, walks.
 */
export function inRequest<T>(req: Request, res: Response, handle: () => T): T {
  const context = startRequest(req, res);
  return requestContextRead() ? runInRequest(context, handle) : handle();
}

function startRequest(req: Request, res: Response): RequestContext {
  const context: RequestContext = { requestId: saneRequestId(req.headers['x-request-id']) ?? newRequestId() };
  res.setHeader(REQUEST_ID_HEADER, context.requestId);
  if (logLevelEnabled('debug')) logOutcome(req, res, context);
  return context;
}

function logOutcome(req: Request, res: Response, context: RequestContext): void {
  const started = performance.now();
  // The path only: the query of /authorize holds a request_uri, and a host's may hold anything.
  const url = req.originalUrl;
  const query = url.indexOf('?');
  const endpoint = query === -1 ? url : url.slice(0, query);
  const method = req.method;
  res.once('finish', () => {
    const fields = {
      requestId: context.requestId,
      method,
      endpoint,
      status: res.statusCode,
      ...(context.error !== undefined && { error: context.error }),
      ...(context.clientId !== undefined && { clientId: context.clientId }),
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    };
    parLogger.debug(`${method} ${endpoint} ${res.statusCode}`, fields);
  });
}
