import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@nestjs/common';
import { randomToken } from '../common/secrets.js';
import type { RequestIdMiddleware } from './request-id.middleware.js';

/**
 * What the library knows about the request it is serving, for its log lines and events. Mutable: the
 * client and the OAuth error are noted as they become known, and read by the outcome log line.
 */
export interface RequestContext {
  readonly requestId: string;
  /** The client the request is from, once identified (not necessarily authenticated). */
  clientId?: string;
  /** The OAuth error code answered, if any. */
  error?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/**
 * Whether requests run inside their context. On Node 20 an AsyncLocalStorage in use turns on promise
 * hooks for the whole process, which costs every await of every request (about 6 % of the server's CPU
 * in the flow benchmark), so the context runs only while something reads it: an event listener, or
 * the debug and verbose lines. A 500's log line takes its request id from the response instead.
 */
let contextReaders = 0;

/** Registers a reader of the request context (an event listener); returns the function that ends it. */
export function readRequestContext(): () => void {
  contextReaders += 1;
  let ended = false;
  return () => {
    if (!ended) contextReaders -= 1;
    ended = true;
  };
}

/** Whether the request context is read by anyone now (see {@link readRequestContext}). */
export function requestContextRead(): boolean {
  return contextReaders > 0 || Logger.isLevelEnabled('debug') || Logger.isLevelEnabled('verbose');
}

/** The context of the request being served, when inside one of ParModule's routes (or a host route using {@link RequestIdMiddleware}). */
export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

/**
 * The id of the request being served (`X-Request-Id`), for a host's own log lines: defined inside
 * ParModule's routes and the host routes that apply {@link RequestIdMiddleware}, and in event listeners.
 */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** Runs `fn` (and everything it starts) with `context` as the current request. */
export function runInRequest<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** Notes the client of the current request (for the outcome log line); longer ids are cut. */
export function noteClient(clientId: string): void {
  const context = storage.getStore();
  if (context !== undefined) context.clientId = clientId.length > 128 ? clientId.slice(0, 128) : clientId;
}

/** Notes the OAuth error code answered to the current request. */
export function noteError(error: string): void {
  const context = storage.getStore();
  if (context !== undefined) context.error = error;
}

/** What an inbound `X-Request-Id` may look like to be kept (anything else is replaced, never echoed). */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The inbound request id when it is sane, else undefined. */
export function saneRequestId(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && SANE_REQUEST_ID.test(value) ? value : undefined;
}

/** A fresh request id: 12 random base64url characters (72 bits). */
export function newRequestId(): string {
  return randomToken(9);
}
