import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { PAR_DATA_SOURCE } from '../par.constants.js';
import { purgeBatch, queryRows } from '../persistence/sql.js';

/** What one instance counted for one key and window since its last sync. */
export interface RateLimitIncrement {
  readonly key: string;
  readonly windowStart: Date;
  readonly count: number;
  readonly expiresAt: Date;
}

/** Keys starting with `prefix` whose total reached `limit`: every instance must learn of them. */
export interface ExhaustedKeys {
  readonly prefix: string;
  readonly limit: number;
}

/** A key's total over every instance in one window. */
export interface RateLimitTotal {
  readonly key: string;
  readonly windowStart: number;
  readonly count: number;
}

interface TotalRow {
  key: string;
  window_start: Date | string;
  count: number;
}

/**
 * The `par_rate_limits` table: one statement per sync adds an instance's increments and returns the
 * totals of the keys it sent, plus those of the open windows that reached their limit elsewhere.
 */
@Injectable()
export class TypeOrmRateLimitStore {
  constructor(@Inject(PAR_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async sync(increments: readonly RateLimitIncrement[], exhausted: readonly ExhaustedKeys[], now: Date): Promise<RateLimitTotal[]> {
    // JSON rather than array parameters: one parameter, serialised alike by node-postgres and PGlite.
    // The outer SELECT sees the table as it was before the upsert, hence the keys just sent are excluded.
    const rows = await queryRows<TotalRow>(
      this.dataSource,
      `WITH incoming AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(key text, window_start timestamptz, n integer, expires_at timestamptz)
       ), up AS (
         INSERT INTO par_rate_limits AS r (key, window_start, count, expires_at)
         SELECT key, window_start, n, expires_at FROM incoming
         ON CONFLICT (key, window_start) DO UPDATE SET count = r.count + EXCLUDED.count
         RETURNING r.key, r.window_start, r.count
       )
       SELECT key, window_start, count FROM up
       UNION ALL
       SELECT r.key, r.window_start, r.count
       FROM par_rate_limits r
       JOIN jsonb_to_recordset($2::jsonb) AS h(prefix text, lim integer) ON left(r.key, length(h.prefix)) = h.prefix AND r.count >= h.lim
       WHERE r.expires_at > $3
         AND NOT EXISTS (SELECT 1 FROM incoming i WHERE i.key = r.key AND i.window_start = r.window_start)`,
      [
        JSON.stringify(increments.map((i) => ({ key: i.key, window_start: i.windowStart.toISOString(), n: i.count, expires_at: i.expiresAt.toISOString() }))),
        JSON.stringify(exhausted.map((e) => ({ prefix: e.prefix, lim: e.limit }))),
        now,
      ],
    );
    return rows.map((row) => ({ key: row.key, windowStart: new Date(row.window_start).getTime(), count: Number(row.count) }));
  }

  /** Deletes one batch of counters of windows that ended before `before`. */
  async purgeExpired(before: Date, limit: number): Promise<number> {
    // The key is composite: rows are picked by their physical address.
    return purgeBatch(this.dataSource, 'par_rate_limits', 'ctid', 'expires_at', before, limit);
  }
}
