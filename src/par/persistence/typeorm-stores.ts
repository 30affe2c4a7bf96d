import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { sha256 } from '../common/secrets.js';
import { PAR_DATA_SOURCE } from '../par.constants.js';
import { queryRows } from './sql.js';
import type { NewPushedRequest, PushedRequestRecord, PushedRequestStore, ReplayStore } from './stores.js';

interface PushedRequestRow {
  reference_hash: string;
  client_id: string;
  parameters: Record<string, unknown>;
  dpop_jkt: string | null;
  expires_at: Date;
  consumed_at: Date | null;
  created_at: Date;
}

const PUSHED_REQUEST_COLUMNS = 'reference_hash, client_id, parameters, dpop_jkt, expires_at, consumed_at, created_at';

function toRecord(row: PushedRequestRow): PushedRequestRecord {
  return {
    referenceHash: row.reference_hash,
    clientId: row.client_id,
    parameters: row.parameters,
    dpopJkt: row.dpop_jkt,
    expiresAt: new Date(row.expires_at),
    consumedAt: row.consumed_at === null ? null : new Date(row.consumed_at),
    createdAt: new Date(row.created_at),
  };
}

/** {@link PushedRequestStore} on PostgreSQL through TypeORM, one statement per operation. */
@Injectable()
export class TypeOrmPushedRequestStore implements PushedRequestStore {
  constructor(@Inject(PAR_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async insert(request: NewPushedRequest): Promise<void> {
    await queryRows(
      this.dataSource,
      'INSERT INTO par_pushed_request (reference_hash, client_id, parameters, dpop_jkt, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [request.referenceHash, request.clientId, JSON.stringify(request.parameters), request.dpopJkt, request.expiresAt, request.createdAt],
    );
  }

  async consume(referenceHash: string, now: Date): Promise<PushedRequestRecord | undefined> {
    const rows = await queryRows<PushedRequestRow>(
      this.dataSource,
      `UPDATE par_pushed_request SET consumed_at = $2
        WHERE reference_hash = $1 AND consumed_at IS NULL AND expires_at > $2
        RETURNING ${PUSHED_REQUEST_COLUMNS}`,
      [referenceHash, now],
    );
    const row = rows[0];
    return row === undefined ? undefined : toRecord(row);
  }

  async purgeExpired(before: Date, limit: number): Promise<number> {
    return purgeBatch(this.dataSource, 'par_pushed_request', 'reference_hash', before, limit);
  }
}

/** {@link ReplayStore} on PostgreSQL: `INSERT … ON CONFLICT DO NOTHING` decides the first use atomically. */
@Injectable()
export class TypeOrmReplayStore implements ReplayStore {
  constructor(@Inject(PAR_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async firstUse(key: string, expiresAt: Date, now: Date): Promise<boolean> {
    // An expired entry for the same key no longer protects anything: take it over.
    const rows = await queryRows<{ key_hash: string }>(
      this.dataSource,
      `INSERT INTO par_used_jti (key_hash, expires_at) VALUES ($1, $2)
       ON CONFLICT (key_hash) DO UPDATE SET expires_at = EXCLUDED.expires_at
         WHERE par_used_jti.expires_at < $3
       RETURNING key_hash`,
      [sha256(key), expiresAt, now],
    );
    return rows.length === 1;
  }

  async purgeExpired(before: Date, limit: number): Promise<number> {
    return purgeBatch(this.dataSource, 'par_used_jti', 'key_hash', before, limit);
  }
}

/** Deletes one bounded batch of expired rows, skipping rows another purger holds (no long locks). */
async function purgeBatch(dataSource: DataSource, table: string, key: string, before: Date, limit: number): Promise<number> {
  const rows = await queryRows<{ k: string }>(
    dataSource,
    `DELETE FROM ${table} WHERE ${key} IN (
       SELECT ${key} FROM ${table} WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED
     ) RETURNING ${key} AS k`,
    [before, limit],
  );
  return rows.length;
}
