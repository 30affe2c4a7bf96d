import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A pushed authorization request (RFC 9126 §2). Keyed by the SHA-256 of the request_uri's random
 * reference: the reference itself is never stored, so a database leak yields no usable request_uri.
 */
@Entity({ name: 'par_pushed_request' })
@Index('par_pushed_request_expires_at_idx', ['expiresAt'])
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

/** Every entity ParModule needs; add them to your TypeORM DataSource. */
export const PAR_ENTITIES = [PushedRequestEntity, UsedJtiEntity] as const;
