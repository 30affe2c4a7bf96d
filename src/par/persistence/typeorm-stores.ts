import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { sha256 } from '../common/secrets.js';
import { PAR_DATA_SOURCE } from '../par.constants.js';
import { purgeBatch, queryRows } from './sql.js';
import type {
  AuthorizationCodeStore,
  InteractionRecord,
  NewAuthorizationCode,
  NewInteraction,
  NewPushedRequest,
  PushedRequestRecord,
  PushedRequestStore,
  ReplayStore,
} from './stores.js';

interface RequestRow {
  reference_hash: string;
  client_id: string;
  parameters: Record<string, unknown>;
  dpop_jkt: string | null;
  credentialed: boolean;
  expires_at: Date;
  first_used_at: Date | null;
  consumed_at: Date | null;
  created_at: Date;
}

interface InteractionRow extends RequestRow {
  interaction_expires_at: Date;
  interaction_created_at: Date;
}

const REQUEST_COLUMNS = 'r.reference_hash, r.client_id, r.parameters, r.dpop_jkt, r.credentialed, r.expires_at, r.first_used_at, r.consumed_at, r.created_at';
const MS = "($INTERVAL::bigint * interval '1 millisecond')";

const date = (value: Date | null): Date | null => (value === null ? null : new Date(value));

function toRequest(row: RequestRow): PushedRequestRecord {
  return {
    referenceHash: row.reference_hash,
    clientId: row.client_id,
    parameters: row.parameters,
    dpopJkt: row.dpop_jkt,
    credentialed: row.credentialed,
    expiresAt: new Date(row.expires_at),
    firstUsedAt: date(row.first_used_at),
    consumedAt: date(row.consumed_at),
    createdAt: new Date(row.created_at),
  };
}

function toInteraction(row: InteractionRow): InteractionRecord {
  return { request: toRequest(row), expiresAt: new Date(row.interaction_expires_at), createdAt: new Date(row.interaction_created_at) };
}

/**
 * The CTE `c` that stores an authorization code for the request `r` consumes in the same statement:
 * its grant is the request's binding plus the host's part. `$now` is the statement's parameter number
 * for now, `$first` the first of the six of {@link codeValues}.
 */
function codeInsert(now: number, first: number): string {
  const [codeHash, grantId, host, scope, expiresAt, details] = [0, 1, 2, 3, 4, 5].map((i) => `$${first + i}`);
  return `c AS (
         INSERT INTO par_authorization_code (code_hash, client_id, grant_id, grant_data, expires_at, created_at)
         SELECT ${codeHash}, r.client_id, ${grantId}, jsonb_strip_nulls(${host}::jsonb || jsonb_build_object(
             'client_id', r.client_id,
             'redirect_uri', r.parameters->'redirect_uri',
             'scope', COALESCE(to_jsonb(${scope}::text), r.parameters->'scope'),
             'code_challenge', r.parameters->'code_challenge',
             'code_challenge_method', r.parameters->'code_challenge_method',
             'nonce', r.parameters->'nonce',
             'resource', r.parameters->'resource',
             'max_age', r.parameters->'max_age',
             'dpop_jkt', to_jsonb(r.dpop_jkt)))
           -- JSON members keep their own nulls: a claim asked for "in the default manner" (OIDC Core
           -- §5.5.1), a null field of an authorization detail (RFC 9396) are data, not absent members.
           || CASE WHEN r.parameters->'claims' IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('claims', r.parameters->'claims') END
           || CASE WHEN COALESCE(${details}::jsonb, r.parameters->'authorization_details') IS NULL THEN '{}'::jsonb
                   ELSE jsonb_build_object('authorization_details', COALESCE(${details}::jsonb, r.parameters->'authorization_details')) END, ${expiresAt}, $${now}
           FROM r
         RETURNING code_hash
       )`;
}

/** The parameters of {@link codeInsert}, in its order. */
function codeValues(code: NewAuthorizationCode): unknown[] {
  return [
    code.codeHash,
    code.grantId,
    JSON.stringify(code.host),
    code.grantedScope ?? null,
    code.expiresAt,
    code.grantedAuthorizationDetails === undefined ? null : JSON.stringify(code.grantedAuthorizationDetails),
  ];
}

/**
 * {@link PushedRequestStore} on PostgreSQL through TypeORM. Every operation is one statement (with
 * data-modifying CTEs where it touches two tables), so it is atomic without a transaction.
 */
@Injectable()
export class TypeOrmPushedRequestStore implements PushedRequestStore {
  constructor(@Inject(PAR_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async insert(request: NewPushedRequest): Promise<void> {
    await queryRows(
      this.dataSource,
      `INSERT INTO par_pushed_request (reference_hash, client_id, parameters, dpop_jkt, credentialed, expires_at, retain_until, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [request.referenceHash, request.clientId, JSON.stringify(request.parameters), request.dpopJkt, request.credentialed, request.expiresAt, request.retainUntil, request.createdAt],
    );
  }

  async openInteraction(referenceHash: string, clientId: string, interaction: NewInteraction, now: Date, interactionTtlMs: number): Promise<InteractionRecord | undefined> {
    const ms = MS.replace('$INTERVAL', '$6');
    const rows = await queryRows<InteractionRow>(
      this.dataSource,
      `WITH r AS (
         UPDATE par_pushed_request SET first_used_at = COALESCE(first_used_at, $3)
         WHERE reference_hash = $1 AND client_id = $2 AND consumed_at IS NULL
           AND CASE WHEN first_used_at IS NULL THEN expires_at > $3 ELSE first_used_at + ${ms} > $3 END
         RETURNING *
       ), i AS (
         INSERT INTO par_interaction (uid_hash, binding_hash, request_hash, expires_at, created_at)
         SELECT $4, $5, r.reference_hash, r.first_used_at + ${ms}, $3 FROM r
         RETURNING expires_at, created_at
       )
       SELECT ${REQUEST_COLUMNS}, i.expires_at AS interaction_expires_at, i.created_at AS interaction_created_at FROM r, i`,
      [referenceHash, clientId, now, interaction.uidHash, interaction.bindingHash, interactionTtlMs],
    );
    const row = rows[0];
    return row === undefined ? undefined : toInteraction(row);
  }

  async insertWithInteraction(request: NewPushedRequest, interaction: NewInteraction, interactionTtlMs: number): Promise<InteractionRecord> {
    const ms = MS.replace('$INTERVAL', '$10');
    const rows = await queryRows<InteractionRow>(
      this.dataSource,
      `WITH r AS (
         INSERT INTO par_pushed_request (reference_hash, client_id, parameters, dpop_jkt, credentialed, expires_at, first_used_at, retain_until, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $7::timestamptz + ${ms}, $7::timestamptz)
         RETURNING *
       ), i AS (
         INSERT INTO par_interaction (uid_hash, binding_hash, request_hash, expires_at, created_at)
         SELECT $8, $9, r.reference_hash, r.first_used_at + ${ms}, $7::timestamptz FROM r
         RETURNING expires_at, created_at
       )
       SELECT ${REQUEST_COLUMNS}, i.expires_at AS interaction_expires_at, i.created_at AS interaction_created_at FROM r, i`,
      [
        request.referenceHash,
        request.clientId,
        JSON.stringify(request.parameters),
        request.dpopJkt,
        request.credentialed,
        request.expiresAt,
        request.createdAt,
        interaction.uidHash,
        interaction.bindingHash,
        interactionTtlMs,
      ],
    );
    return toInteraction(rows[0] as InteractionRow);
  }

  async findInteraction(uidHash: string, bindingHash: string, now: Date): Promise<InteractionRecord | undefined> {
    const rows = await queryRows<InteractionRow>(
      this.dataSource,
      `SELECT ${REQUEST_COLUMNS}, i.expires_at AS interaction_expires_at, i.created_at AS interaction_created_at
         FROM par_interaction i JOIN par_pushed_request r ON r.reference_hash = i.request_hash
        WHERE i.uid_hash = $1 AND i.binding_hash = $2 AND i.expires_at > $3 AND r.consumed_at IS NULL`,
      [uidHash, bindingHash, now],
    );
    const row = rows[0];
    return row === undefined ? undefined : toInteraction(row);
  }

  async finishInteraction(uidHash: string, bindingHash: string, now: Date, code: NewAuthorizationCode): Promise<InteractionRecord | undefined> {
    const rows = await queryRows<InteractionRow>(
      this.dataSource,
      `WITH i AS (
         DELETE FROM par_interaction WHERE uid_hash = $1 AND binding_hash = $2 AND expires_at > $3
         RETURNING request_hash, expires_at, created_at
       ), r AS (
         UPDATE par_pushed_request p SET consumed_at = $3 FROM i
          WHERE p.reference_hash = i.request_hash AND p.consumed_at IS NULL
         RETURNING ${REQUEST_COLUMNS.replaceAll('r.', 'p.')}, i.expires_at AS interaction_expires_at, i.created_at AS interaction_created_at
       ), ${codeInsert(3, 4)}
       SELECT * FROM r`,
      [uidHash, bindingHash, now, ...codeValues(code)],
    );
    const row = rows[0];
    return row === undefined ? undefined : toInteraction(row);
  }

  async claimRequest(referenceHash: string, clientId: string, now: Date, interactionTtlMs: number): Promise<InteractionRecord | undefined> {
    const ms = MS.replace('$INTERVAL', '$4');
    const rows = await queryRows<InteractionRow>(
      this.dataSource,
      `UPDATE par_pushed_request r SET first_used_at = COALESCE(first_used_at, $3)
        WHERE reference_hash = $1 AND client_id = $2 AND consumed_at IS NULL
          AND CASE WHEN first_used_at IS NULL THEN expires_at > $3 ELSE first_used_at + ${ms} > $3 END
       RETURNING ${REQUEST_COLUMNS}, r.first_used_at + ${ms} AS interaction_expires_at, $3::timestamptz AS interaction_created_at`,
      [referenceHash, clientId, now, interactionTtlMs],
    );
    const row = rows[0];
    return row === undefined ? undefined : toInteraction(row);
  }

  async addInteraction(referenceHash: string, interaction: NewInteraction, now: Date, interactionTtlMs: number): Promise<boolean> {
    const ms = MS.replace('$INTERVAL', '$5');
    const rows = await queryRows<{ uid_hash: string }>(
      this.dataSource,
      `INSERT INTO par_interaction (uid_hash, binding_hash, request_hash, expires_at, created_at)
       SELECT $2, $3, reference_hash, first_used_at + ${ms}, $4 FROM par_pushed_request
        WHERE reference_hash = $1 AND consumed_at IS NULL AND first_used_at IS NOT NULL
       RETURNING uid_hash`,
      [referenceHash, interaction.uidHash, interaction.bindingHash, now, interactionTtlMs],
    );
    return rows.length === 1;
  }

  async finishRequest(referenceHash: string, now: Date, code: NewAuthorizationCode): Promise<PushedRequestRecord | undefined> {
    const rows = await queryRows<RequestRow>(
      this.dataSource,
      `WITH r AS (
         UPDATE par_pushed_request p SET consumed_at = $2
          WHERE p.reference_hash = $1 AND p.first_used_at IS NOT NULL AND p.consumed_at IS NULL
         RETURNING ${REQUEST_COLUMNS.replaceAll('r.', 'p.')}
       ), ${codeInsert(2, 3)}
       SELECT * FROM r`,
      [referenceHash, now, ...codeValues(code)],
    );
    const row = rows[0];
    return row === undefined ? undefined : toRequest(row);
  }

  async endRequest(referenceHash: string, now: Date): Promise<boolean> {
    const rows = await queryRows<{ reference_hash: string }>(
      this.dataSource,
      `UPDATE par_pushed_request SET consumed_at = $2
        WHERE reference_hash = $1 AND first_used_at IS NOT NULL AND consumed_at IS NULL
       RETURNING reference_hash`,
      [referenceHash, now],
    );
    return rows.length === 1;
  }

  async endInteraction(uidHash: string, bindingHash: string, now: Date): Promise<boolean> {
    const rows = await queryRows<{ reference_hash: string }>(
      this.dataSource,
      `WITH i AS (
         DELETE FROM par_interaction WHERE uid_hash = $1 AND binding_hash = $2 AND expires_at > $3
         RETURNING request_hash
       )
       UPDATE par_pushed_request p SET consumed_at = $3 FROM i
        WHERE p.reference_hash = i.request_hash AND p.consumed_at IS NULL
       RETURNING p.reference_hash`,
      [uidHash, bindingHash, now],
    );
    return rows.length === 1;
  }

  async discardCode(codeHash: string): Promise<void> {
    await queryRows(this.dataSource, 'DELETE FROM par_authorization_code WHERE code_hash = $1', [codeHash]);
  }

  async purgeExpired(before: Date, limit: number): Promise<number> {
    return purgeBatch(this.dataSource, 'par_pushed_request', 'reference_hash', 'retain_until', before, limit);
  }
}

/** {@link ReplayStore} on PostgreSQL: `INSERT … ON CONFLICT` decides the first use atomically. */
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
    return purgeBatch(this.dataSource, 'par_used_jti', 'key_hash', 'expires_at', before, limit);
  }
}

/** {@link AuthorizationCodeStore} on PostgreSQL. */
@Injectable()
export class TypeOrmAuthorizationCodeStore implements AuthorizationCodeStore {
  constructor(@Inject(PAR_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async purgeExpired(before: Date, limit: number): Promise<number> {
    return purgeBatch(this.dataSource, 'par_authorization_code', 'code_hash', 'expires_at', before, limit);
  }
}
