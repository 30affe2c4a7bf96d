import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { sha256 } from '../common/secrets.js';
import { PAR_DATA_SOURCE } from '../par.constants.js';
import { purgeBatch, queryRows } from './sql.js';

/** The revocation key of a grant. */
const grantKey = (grantId: string): string => sha256(`grant\n${grantId}`);

/** A redeemed authorization code. */
export interface RedeemedCode {
  readonly clientId: string;
  readonly grantId: string;
  readonly grant: Record<string, unknown>;
  readonly expiresAt: Date;
}

/** What redeeming a code found: the code, a replay of a used one, or nothing. */
export type Redemption = { readonly kind: 'redeemed'; readonly code: RedeemedCode } | { readonly kind: 'replayed'; readonly grantId: string } | { readonly kind: 'unknown' };

/** A stored refresh token. */
export interface RefreshTokenRecord {
  readonly clientId: string;
  readonly grantId: string;
  readonly grant: Record<string, unknown>;
  readonly expiresAt: Date;
  readonly createdAt: Date;
  readonly consumedAt: Date | null;
  readonly revokedAt: Date | null;
}

/** A refresh token about to be stored. */
export interface NewRefreshToken {
  readonly tokenHash: string;
  readonly clientId: string;
  readonly grantId: string;
  readonly grant: Record<string, unknown>;
  readonly expiresAt: Date;
}

interface RefreshRow {
  client_id: string;
  grant_id: string;
  grant_data: Record<string, unknown>;
  expires_at: Date;
  created_at: Date;
  consumed_at: Date | null;
  revoked_at: Date | null;
}

const toRefresh = (row: RefreshRow): RefreshTokenRecord => ({
  clientId: row.client_id,
  grantId: row.grant_id,
  grant: row.grant_data,
  expiresAt: new Date(row.expires_at),
  createdAt: new Date(row.created_at),
  consumedAt: row.consumed_at === null ? null : new Date(row.consumed_at),
  revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
});

/**
 * Codes, refresh tokens and revocations on PostgreSQL: one statement per operation on the success
 * path; one-time use by conditional UPDATEs, so exactly one of N concurrent redemptions wins.
 */
@Injectable()
export class TokenStore {
  constructor(@Inject(PAR_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Marks the code used and returns it; a used code is reported as replayed (RFC 6749 §4.1.2). */
  async redeemCode(codeHash: string, now: Date): Promise<Redemption> {
    const rows = await queryRows<{ client_id: string; grant_id: string; grant_data: Record<string, unknown>; expires_at: Date }>(
      this.dataSource,
      'UPDATE par_authorization_code SET consumed_at = $2 WHERE code_hash = $1 AND consumed_at IS NULL RETURNING client_id, grant_id, grant_data, expires_at',
      [codeHash, now],
    );
    const row = rows[0];
    if (row) return { kind: 'redeemed', code: { clientId: row.client_id, grantId: row.grant_id, grant: row.grant_data, expiresAt: new Date(row.expires_at) } };
    const used = await queryRows<{ grant_id: string }>(this.dataSource, 'SELECT grant_id FROM par_authorization_code WHERE code_hash = $1', [codeHash]);
    return used[0] ? { kind: 'replayed', grantId: used[0].grant_id } : { kind: 'unknown' };
  }

  async insertRefreshToken(token: NewRefreshToken, now: Date): Promise<void> {
    await queryRows(
      this.dataSource,
      'INSERT INTO par_refresh_token (token_hash, client_id, grant_id, grant_data, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [token.tokenHash, token.clientId, token.grantId, JSON.stringify(token.grant), token.expiresAt, now],
    );
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    const rows = await queryRows<RefreshRow>(
      this.dataSource,
      'SELECT client_id, grant_id, grant_data, expires_at, created_at, consumed_at, revoked_at FROM par_refresh_token WHERE token_hash = $1',
      [tokenHash],
    );
    return rows[0] ? toRefresh(rows[0]) : undefined;
  }

  /**
   * Exchanges a refresh token for a new one (rotation) in one statement: the old one must be live and
   * unused. Returns the old token's record, or undefined when it was not live (then nothing changed).
   */
  async rotateRefreshToken(tokenHash: string, next: NewRefreshToken, now: Date): Promise<RefreshTokenRecord | undefined> {
    const rows = await queryRows<RefreshRow>(
      this.dataSource,
      `WITH old AS (
         UPDATE par_refresh_token SET consumed_at = $2
          WHERE token_hash = $1 AND consumed_at IS NULL AND revoked_at IS NULL AND expires_at > $2
            AND NOT EXISTS (SELECT 1 FROM par_revocation WHERE key_hash = $6 AND expires_at > $2)
         RETURNING client_id, grant_id, grant_data, expires_at, created_at, consumed_at, revoked_at
       ), fresh AS (
         INSERT INTO par_refresh_token (token_hash, client_id, grant_id, grant_data, expires_at, created_at)
         SELECT $3, old.client_id, old.grant_id, $4, $5, $2 FROM old
         RETURNING token_hash
       )
       SELECT old.* FROM old`,
      [tokenHash, now, next.tokenHash, JSON.stringify(next.grant), next.expiresAt, grantKey(next.grantId)],
    );
    return rows[0] ? toRefresh(rows[0]) : undefined;
  }

  /**
   * Revokes a grant: its refresh tokens at once, and (by remembering the grant id until `until`) the
   * access tokens issued from it, for introspection and resource servers that check revocation.
   */
  async revokeGrant(grantId: string, until: Date, now: Date): Promise<void> {
    await queryRows(
      this.dataSource,
      `WITH r AS (
         UPDATE par_refresh_token SET revoked_at = $3 WHERE grant_id = $1 AND revoked_at IS NULL RETURNING token_hash
       )
       INSERT INTO par_revocation (key_hash, expires_at) VALUES ($2, $4)
       ON CONFLICT (key_hash) DO UPDATE SET expires_at = GREATEST(par_revocation.expires_at, EXCLUDED.expires_at)`,
      [grantId, grantKey(grantId), now, until],
    );
  }

  /** Revokes one access token by its jti, until it would have expired anyway. */
  async revokeAccessToken(jti: string, until: Date): Promise<void> {
    await queryRows(this.dataSource, 'INSERT INTO par_revocation (key_hash, expires_at) VALUES ($1, $2) ON CONFLICT (key_hash) DO NOTHING', [sha256(`jti\n${jti}`), until]);
  }

  /** Whether an access token (by its grant and jti) was revoked. */
  async isRevoked(grantId: string, jti: string, now: Date): Promise<boolean> {
    const rows = await queryRows<{ key_hash: string }>(
      this.dataSource,
      'SELECT key_hash FROM par_revocation WHERE key_hash IN ($1, $2) AND expires_at > $3 LIMIT 1',
      [grantKey(grantId), sha256(`jti\n${jti}`), now],
    );
    return rows.length > 0;
  }

  /**
   * Whether a grant was revoked. Refresh tokens check this when they are used: a code replayed while
   * its first redemption is still issuing tokens revokes the grant before the refresh token is stored.
   */
  async isGrantRevoked(grantId: string, now: Date): Promise<boolean> {
    const rows = await queryRows<{ key_hash: string }>(this.dataSource, 'SELECT key_hash FROM par_revocation WHERE key_hash = $1 AND expires_at > $2', [grantKey(grantId), now]);
    return rows.length > 0;
  }

  async purgeExpired(before: Date, limit: number): Promise<number> {
    const tokens = await purgeBatch(this.dataSource, 'par_refresh_token', 'token_hash', 'expires_at', before, limit);
    const revocations = await purgeBatch(this.dataSource, 'par_revocation', 'key_hash', 'expires_at', before, limit);
    return tokens + revocations;
  }
}
