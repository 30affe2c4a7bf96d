import { AsyncLocalStorage } from 'node:async_hooks';
import { randomFillSync } from 'node:crypto';
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

/** Runs `next` (and everything it starts) with `context` as the current request. */
export function runInRequest(context: RequestContext, next: () => void): void {
  storage.run(context, next);
}

/**
 * `fn`, bound to the current request: for callbacks that an event emitter calls later (a request
 * body's `end`), which would otherwise run outside it.
 */
export function bindToRequest<F extends (...args: never[]) => unknown>(fn: F): F {
  return storage.getStore() === undefined ? fn : AsyncLocalStorage.bind(fn);
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

// 9 random bytes per id (72 bits, 12 base64url characters), drawn from a pool refilled 512 ids at a time.
const ID_BYTES = 9;
const pool = Buffer.alloc(ID_BYTES * 512);
let offset = pool.length;

/** A fresh request id: 12 random base64url characters. */
export function newRequestId(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}
