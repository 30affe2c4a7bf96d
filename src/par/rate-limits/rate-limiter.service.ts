import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Request } from 'express';
import { sha256 } from '../common/secrets.js';
import { describeDatabaseFault } from '../errors/database-unavailable.js';
import { OAuthError } from '../errors/oauth-error.js';
import { PAR_OPTIONS } from '../par.constants.js';
import type { RateLimit, RateLimitedEndpoint, ResolvedParOptions, ResolvedRateLimits } from '../par.options.js';
import { addressKey } from './address-key.js';
import { type ExhaustedKeys, type RateLimitIncrement, TypeOrmRateLimitStore } from './rate-limit.store.js';

/** Whose requests a limit counts. */
type RateLimitKind = 'client' | 'address';

/** Longest key stored (the column is varchar(255)); longer client ids are keyed by their hash. */
const MAX_KEY_LENGTH = 255;

const ENDPOINT_KEYS: Readonly<Record<RateLimitedEndpoint, string>> = { pushedAuthorization: 'par', token: 'token' };

/** One key's count in its current window, as this instance knows it. */
interface Counter {
  readonly limit: number;
  readonly windowStart: number;
  readonly windowEnd: number;
  /** The total over every instance at the last sync (this instance's synced requests included). */
  synced: number;
  /** Admitted here since the last sync. */
  pending: number;
  /** Admitted here and being sent by the sync in progress. */
  inflight: number;
}

/**
 * Per-client and per-address rate limits of the pushed authorization and token endpoints, answering
 * 429 `temporarily_unavailable` with `Retry-After` (RFC 9126 §2.3).
 *
 * Requests are counted in memory in fixed windows (`floor(now / windowSeconds)` by the injected clock),
 * so a request costs no SQL. Every `syncInterval` ms, one statement adds this instance's counts to the
 * shared `par_rate_limits` table and returns the totals of those keys, and of every key that reached
 * its limit through other instances. A request is refused when the total at the last sync plus what
 * was counted here since reaches the limit. Between syncs each instance admits on its own, so across N
 * instances a limit can be exceeded by about N × rate × syncInterval. When the database cannot be
 * reached, counting goes on locally (fail open, logged once) and never fails a request.
 *
 * Memory is bounded: a client is counted only once the client_id it claims names a registered client
 * (random client_ids never make a counter), counters of closed windows are dropped at each sync, and
 * no more than `maxKeys` counters are kept (beyond that, new keys pass uncounted until the next window,
 * and a warning is logged once per window).
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2.3
 */
@Injectable()
export class RateLimiter implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('ParModule');
  private readonly limits: ResolvedRateLimits | false;
  private readonly counters = new Map<string, Counter>();
  /** What every key prefix is limited to, to read the totals of keys this instance has not seen. */
  private readonly prefixes = new Map<string, RateLimit>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private active = false;
  private failing = false;
  private fullWarnedWindow: number | undefined;

  constructor(
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    private readonly store: TypeOrmRateLimitStore,
  ) {
    this.limits = options.rateLimits;
    if (this.limits === false) return;
    for (const endpoint of ['pushedAuthorization', 'token'] as const) {
      const { perClient, perAddress } = this.limits[endpoint];
      if (perClient !== undefined) this.prefixes.set(prefix(endpoint, 'client'), perClient);
      if (perAddress !== undefined) this.prefixes.set(prefix(endpoint, 'address'), perAddress);
    }
  }

  onModuleInit(): void {
    if (this.limits === false) return;
    this.timer = setInterval(() => {
      if (this.active) void this.sync();
    }, this.limits.syncInterval);
    this.timer.unref();
  }

  /** Stops the syncs and waits for one in progress, before the database pool closes (as the purge does). */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Counts a request from the request's address (`req.ip`); throws the 429 when over the limit. */
  checkAddress(endpoint: RateLimitedEndpoint, req: Request): void {
    if (this.limits === false) return;
    const limit = this.limits[endpoint].perAddress;
    if (limit === undefined) return;
    this.count(`${prefix(endpoint, 'address')}${addressKey(req.ip ?? req.socket.remoteAddress)}`, limit, 'address');
  }

  /**
   * Counts a request of a registered client, before its credentials are checked (so that guessing
   * them is limited too); throws the 429 when over the limit.
   */
  checkClient(endpoint: RateLimitedEndpoint, clientId: string): void {
    if (this.limits === false) return;
    const limit = this.limits[endpoint].perClient;
    if (limit === undefined) return;
    const start = prefix(endpoint, 'client');
    const key = start.length + clientId.length > MAX_KEY_LENGTH ? `${start}#${sha256(clientId)}` : `${start}${clientId}`;
    this.count(key, limit, 'client');
  }

  /** How many counters this instance holds (bounded by `rateLimits.maxKeys`). */
  get size(): number {
    return this.counters.size;
  }

  /**
   * Sends the counts made here so far and reads the totals back (what the timer does every
   * `syncInterval` ms, when requests came in since the last sync). Never throws: a database fault is logged once and the counts are kept for the
   * next sync.
   */
  async sync(): Promise<void> {
    if (this.limits === false) return;
    // A sync in progress may have missed the latest counts: wait for it, then send them.
    while (this.running) await this.running;
    this.running = this.syncOnce().finally(() => (this.running = undefined));
    await this.running;
  }

  private count(key: string, limit: RateLimit, kind: RateLimitKind): void {
    const now = this.options.clock.now();
    const windowMs = limit.windowSeconds * 1000;
    const windowStart = Math.floor(now / windowMs) * windowMs;
    this.active = true;
    let counter = this.counters.get(key);
    if (counter === undefined || counter.windowStart !== windowStart) {
      // A counter of a closed window is replaced: what it had not synced belongs to a window nobody checks.
      if (counter === undefined && !this.hasRoom(windowStart)) return;
      counter = { limit: limit.limit, windowStart, windowEnd: windowStart + windowMs, synced: 0, pending: 0, inflight: 0 };
      this.counters.set(key, counter);
    }
    if (counter.synced + counter.inflight + counter.pending >= counter.limit) {
      const retryAfter = Math.max(1, Math.ceil((counter.windowEnd - now) / 1000));
      throw new OAuthError(
        'temporarily_unavailable',
        `too many requests from this ${kind}; retry after ${retryAfter} seconds`,
        429,
        { 'Retry-After': String(retryAfter) },
      );
    }
    counter.pending += 1;
  }

  private hasRoom(windowStart: number): boolean {
    if (this.limits === false || this.counters.size < this.limits.maxKeys) return true;
    if (this.fullWarnedWindow !== windowStart) {
      this.fullWarnedWindow = windowStart;
      this.logger.warn(`rate limits: ${this.limits.maxKeys} counters in memory (rateLimits.maxKeys); new clients and addresses are not limited until the next window`);
    }
    return false;
  }

  private async syncOnce(): Promise<void> {
    if (this.limits === false) return;
    const now = this.options.clock.now();
    this.active = false;
    const sent: Counter[] = [];
    const increments: RateLimitIncrement[] = [];
    for (const [key, counter] of this.counters) {
      if (counter.windowEnd <= now) {
        this.counters.delete(key);
        continue;
      }
      if (counter.pending === 0) continue;
      counter.inflight = counter.pending;
      counter.pending = 0;
      sent.push(counter);
      increments.push({ key, windowStart: new Date(counter.windowStart), count: counter.inflight, expiresAt: new Date(counter.windowEnd) });
    }
    const exhausted: ExhaustedKeys[] = [...this.prefixes].map(([start, limit]) => ({ prefix: start, limit: limit.limit }));
    try {
      const totals = await this.store.sync(increments, exhausted, new Date(now));
      for (const counter of sent) counter.inflight = 0;
      for (const total of totals) this.learn(total.key, total.windowStart, total.count);
      if (this.failing) this.logger.log('rate limits: counters are synchronised with the database again');
      this.failing = false;
    } catch (error) {
      for (const counter of sent) {
        counter.pending += counter.inflight;
        counter.inflight = 0;
      }
      this.active = true;
      if (!this.failing) {
        const reason = describeDatabaseFault(error) ?? (error instanceof Error ? error.name : typeof error);
        this.logger.warn(`rate limits: counters could not be synchronised with the database (${reason}); counting per instance until it is back`);
      }
      this.failing = true;
    }
  }

  /** Takes a key's total over every instance, for its current window only. */
  private learn(key: string, windowStart: number, total: number): void {
    const counter = this.counters.get(key);
    if (counter !== undefined) {
      if (counter.windowStart === windowStart) counter.synced = total;
      return;
    }
    const limit = this.limitOf(key);
    if (limit === undefined) return;
    const windowMs = limit.windowSeconds * 1000;
    if (windowStart % windowMs !== 0 || !this.hasRoom(windowStart)) return;
    this.counters.set(key, { limit: limit.limit, windowStart, windowEnd: windowStart + windowMs, synced: total, pending: 0, inflight: 0 });
  }

  private limitOf(key: string): RateLimit | undefined {
    for (const [start, limit] of this.prefixes) if (key.startsWith(start)) return limit;
    return undefined;
  }
}

function prefix(endpoint: RateLimitedEndpoint, kind: RateLimitKind): string {
  return `${ENDPOINT_KEYS[endpoint]}|${kind}|`;
}
