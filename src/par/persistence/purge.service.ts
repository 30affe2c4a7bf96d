import { performance } from 'node:perf_hooks';
import { type BeforeApplicationShutdown, Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { describeDatabaseFault } from '../errors/database-unavailable.js';
import { parLogger } from '../observability/par-logger.js';
import { AUTHORIZATION_CODE_STORE, PAR_OPTIONS, PUSHED_REQUEST_STORE, REPLAY_STORE } from '../par.constants.js';
import type { ResolvedParOptions } from '../par.options.js';
import type { AuthorizationCodeStore, PushedRequestStore, ReplayStore } from './stores.js';
import { TypeOrmRateLimitStore } from '../rate-limits/rate-limit.store.js';
import { TokenStore } from './token-stores.js';

/** Rows deleted per statement: small batches keep locks short on a busy table. */
const BATCH = 500;

/**
 * Deletes expired rows in the background, every `purgeInterval` seconds, in bounded batches. Safe with
 * several instances: batches skip rows that another instance is deleting. On shutdown it stops and
 * waits for a running purge before the database pool closes (`onApplicationShutdown`, TypeORM).
 */
@Injectable()
export class PurgeService implements OnModuleInit, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    @Inject(PUSHED_REQUEST_STORE) private readonly pushedRequests: PushedRequestStore,
    @Inject(REPLAY_STORE) private readonly replay: ReplayStore,
    @Inject(AUTHORIZATION_CODE_STORE) private readonly codes: AuthorizationCodeStore,
    private readonly tokens: TokenStore,
    private readonly rateLimits: TypeOrmRateLimitStore,
  ) {}

  onModuleInit(): void {
    if (this.options.purgeInterval === 0) return;
    this.timer = setInterval(() => void this.purgeOnce(), this.options.purgeInterval * 1000);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One purge run; returns the number of rows deleted. Errors are logged, never thrown. */
  async purgeOnce(): Promise<number> {
    if (this.running) return 0;
    let deleted = 0;
    const run = (async () => {
      const now = this.options.clock.now();
      const graceEnd = new Date(now - this.options.purgeGrace * 1000);
      // A run drains everything expired (a busy server expires hundreds of rows a second), in short
      // batches; past half the interval it stops, and the next run goes on.
      const deadline = performance.now() + Math.max(1, this.options.purgeInterval / 2) * 1000;
      deleted += await drain((limit) => this.pushedRequests.purgeExpired(graceEnd, limit), deadline);
      deleted += await drain((limit) => this.codes.purgeExpired(graceEnd, limit), deadline);
      deleted += await drain((limit) => this.replay.purgeExpired(new Date(now), limit), deadline);
      deleted += await drain((limit) => this.tokens.purgeExpired(new Date(now), limit), deadline);
      deleted += await drain((limit) => this.rateLimits.purgeExpired(new Date(now), limit), deadline);
    })().catch((error: unknown) => {
      // A fault's code or the error's name, not its message (which may quote statement parameters).
      const reason = describeDatabaseFault(error) ?? (error instanceof Error ? error.name : typeof error);
      parLogger.warn(`purge of expired rows failed (${reason})`, { reason });
    });
    this.running = run;
    try {
      await run;
    } finally {
      this.running = undefined;
    }
    return deleted;
  }
}

async function drain(batch: (limit: number) => Promise<number>, deadline: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await batch(BATCH);
    total += n;
    if (n < BATCH || performance.now() >= deadline) return total;
  }
}
