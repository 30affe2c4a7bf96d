import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A pushed authorization request (RFC 9126 §2). Keyed by the SHA-256 of the request_uri's random
 * reference: the reference itself is never stored, so a database leak yields no usable request_uri.
 */
@Entity({ name: 'par_pushed_request' })
@Index('par_pushed_request_retain_until_idx', ['retainUntil'])
export class PushedRequestEntity {
  @PrimaryColumn({ name: 'reference_hash', type: 'varchar', length: 64 })
  referenceHash!: string;

  @Column({ name: 'client_id', type: 'varchar', length: 255 })
  clientId!: string;

  /** The validated, normalised authorization request. */
  @Column({ type: 'jsonb' })
  parameters!: Record<string, unknown>;

  @Column({ name: 'dpop_jkt', type: 'varchar', length: 128, nullable: true })
  dpopJkt!: string | null;

  /** End of the window in which the request_uri may be used for the first time (RFC 9126 §2.2 `expires_in`). */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  /** First use at the authorization endpoint; the login it starts may last `interactionTtl` from then. */
  @Column({ name: 'first_used_at', type: 'timestamptz', nullable: true })
  firstUsedAt!: Date | null;

  /** When a code was issued or the request denied: the request_uri is dead from then on. */
  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt!: Date | null;

  /** Whether the client authenticated with credentials when pushing (RFC 9126 §2.4, §7.2). */
  @Column({ type: 'boolean', default: false })
  credentialed!: boolean;

  /** When the background purge may delete the row. */
  @Column({ name: 'retain_until', type: 'timestamptz' })
  retainUntil!: Date;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/**
 * A login and consent in progress for one authorization request, bound to the browser that started it
 * by a random secret in an HttpOnly cookie (only its hash is stored).
 */
@Entity({ name: 'par_interaction' })
@Index('par_interaction_request_hash_idx', ['requestHash'])
export class InteractionEntity {
  @PrimaryColumn({ name: 'uid_hash', type: 'varchar', length: 64 })
  uidHash!: string;

  @Column({ name: 'binding_hash', type: 'varchar', length: 64 })
  bindingHash!: string;

  @Column({ name: 'request_hash', type: 'varchar', length: 64 })
  requestHash!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** An authorization code (RFC 6749 §4.1.2), stored as a hash, with the grant it stands for. */
@Entity({ name: 'par_authorization_code' })
@Index('par_authorization_code_expires_at_idx', ['expiresAt'])
export class AuthorizationCodeEntity {
  @PrimaryColumn({ name: 'code_hash', type: 'varchar', length: 64 })
  codeHash!: string;

  @Column({ name: 'client_id', type: 'varchar', length: 255 })
  clientId!: string;

  @Column({ name: 'grant_id', type: 'varchar', length: 64 })
  grantId!: string;

  @Column({ name: 'grant_data', type: 'jsonb' })
  grantData!: Record<string, unknown>;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/**
 * One-time values (`jti` of client assertions, later of request objects and DPoP proofs), kept until
 * they expire so that a replay is refused, across every instance sharing the database.
 */
@Entity({ name: 'par_used_jti' })
@Index('par_used_jti_expires_at_idx', ['expiresAt'])
export class UsedJtiEntity {
  /** SHA-256 of `purpose`, issuer of the JWT and jti. */
  @PrimaryColumn({ name: 'key_hash', type: 'varchar', length: 64 })
  keyHash!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}

/** A refresh token (stored as a hash), bound to its client and grant. */
@Entity({ name: 'par_refresh_token' })
@Index('par_refresh_token_grant_id_idx', ['grantId'])
@Index('par_refresh_token_expires_at_idx', ['expiresAt'])
export class RefreshTokenEntity {
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ name: 'client_id', type: 'varchar', length: 255 })
  clientId!: string;

  @Column({ name: 'grant_id', type: 'varchar', length: 64 })
  grantId!: string;

  @Column({ name: 'grant_data', type: 'jsonb' })
  grantData!: Record<string, unknown>;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  /** When it was exchanged for a new one (rotation). */
  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** A revoked grant or access token (RFC 7009), remembered until the tokens it covers expire. */
@Entity({ name: 'par_revocation' })
@Index('par_revocation_expires_at_idx', ['expiresAt'])
export class RevocationEntity {
  @PrimaryColumn({ name: 'key_hash', type: 'varchar', length: 64 })
  keyHash!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}

/** The development signing key, generated when no `signingKeys` are configured. */
@Entity({ name: 'par_signing_key' })
export class SigningKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  kid!: string;

  @Column({ name: 'private_jwk', type: 'jsonb' })
  privateJwk!: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/**
 * A rate limit counter: requests admitted for `key` (endpoint, kind, client or address) in the fixed
 * window starting at `windowStart`, summed over the instances.
 */
@Entity({ name: 'par_rate_limits' })
@Index('par_rate_limits_expires_at_idx', ['expiresAt'])
export class RateLimitEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  key!: string;

  @PrimaryColumn({ name: 'window_start', type: 'timestamptz' })
  windowStart!: Date;

  @Column({ type: 'integer' })
  count!: number;

  /** End of the window: the row is purged after it. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}

/** Every entity ParModule needs; add them to your TypeORM DataSource. */
export const PAR_ENTITIES = [
  PushedRequestEntity,
  InteractionEntity,
  AuthorizationCodeEntity,
  RefreshTokenEntity,
  RevocationEntity,
  SigningKeyEntity,
  UsedJtiEntity,
  RateLimitEntity,
] as const;
