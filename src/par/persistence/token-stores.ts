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
  /** Whether the refresh token offered to {@link TokenStore.redeemCode} was stored with the redemption. */
  readonly refreshTokenStored: boolean;
}

/** A refresh token offered with a code redemption, stored only if the grant may have one. */
export interface OfferedRefreshToken {
  readonly tokenHash: string;
  /** The redeeming client: a code of another client stores nothing. */
  readonly clientId: string;
  readonly expiresAt: Date;
  /** RFC 9449 §5: the DPoP key a public client's refresh token is bound to. */
  readonly dpopJkt: string | undefined;
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

  /**
   * Marks the code used and returns it; a used code is reported as replayed (RFC 6749 §4.1.2).
   *
   * The refresh token, when one is offered, is stored by the same statement, so that a fault can never
   * leave a used code without the refresh token its response promised. It is stored only when the code is
   * the offering client's, unexpired, and its grant may have one: OIDC Core §11, `offline_access` was
   * granted, or the grant is plain OAuth (no `openid`). The refresh grant keeps what the user granted,
   * not the request's one-time bindings (redirect_uri, PKCE, nonce, the code's DPoP key).
   */
  async redeemCode(codeHash: string, now: Date, refresh?: OfferedRefreshToken): Promise<Redemption> {
    const rows = await queryRows<{ client_id: string; grant_id: string; grant_data: Record<string, unknown>; expires_at: Date; refresh_stored: boolean }>(
      this.dataSource,
      `WITH c AS (
         UPDATE par_authorization_code SET consumed_at = $2 WHERE code_hash = $1 AND consumed_at IS NULL
         RETURNING client_id, grant_id, grant_data, expires_at
       ), r AS (
         INSERT INTO par_refresh_token (token_hash, client_id, grant_id, grant_data, expires_at, created_at)
         SELECT $3::varchar, c.client_id, c.grant_id,
                (c.grant_data - 'client_id' - 'redirect_uri' - 'code_challenge' - 'code_challenge_method' - 'nonce' - 'max_age' - 'dpop_jkt')
                  || CASE WHEN $6::text IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('dpop_jkt', $6::text) END,
                $4, $2
           FROM c
          WHERE $3::varchar IS NOT NULL AND c.client_id = $5 AND c.expires_at > $2
            AND (c.grant_data->>'scope' ~ '(^| )offline_access( |$)' OR c.grant_data->>'scope' !~ '(^| )openid( |$)')
         RETURNING token_hash
       )
       SELECT c.client_id, c.grant_id, c.grant_data, c.expires_at, EXISTS (SELECT 1 FROM r) AS refresh_stored FROM c`,
      [codeHash, now, refresh?.tokenHash ?? null, refresh?.expiresAt ?? null, refresh?.clientId ?? null, refresh?.dpopJkt ?? null],
    );
    const row = rows[0];
    if (row) {
      return {
        kind: 'redeemed',
        code: { clientId: row.client_id, grantId: row.grant_id, grant: row.grant_data, expiresAt: new Date(row.expires_at), refreshTokenStored: row.refresh_stored },
      };
    }
    const used = await queryRows<{ grant_id: string }>(this.dataSource, 'SELECT grant_id FROM par_authorization_code WHERE code_hash = $1', [codeHash]);
    return used[0] ? { kind: 'replayed', grantId: used[0].grant_id } : { kind: 'unknown' };
  }

  /**
   * Removes a refresh token stored with a redemption whose response then failed a check. Nobody holds
   * its value (it was never sent), so this is tidiness: a fault here leaves a row no one can use.
   */
  async discardRefreshToken(tokenHash: string): Promise<void> {
    await queryRows(this.dataSource, 'DELETE FROM par_refresh_token WHERE token_hash = $1', [tokenHash]);
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
