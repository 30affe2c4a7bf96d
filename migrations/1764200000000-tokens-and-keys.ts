import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refresh tokens (stored as hashes), revocations of grants and access tokens (RFC 7009), and the
 * development signing key that is generated when no signingKeys are configured.
 */
export class TokensAndKeys1764200000000 implements MigrationInterface {
  name = 'TokensAndKeys1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE par_refresh_token (
      token_hash varchar(64) PRIMARY KEY,
      client_id varchar(255) NOT NULL,
      grant_id varchar(64) NOT NULL,
      grant_data jsonb NOT NULL,
      expires_at timestamptz NOT NULL,
      consumed_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz NOT NULL
    )`);
    await queryRunner.query('CREATE INDEX par_refresh_token_grant_id_idx ON par_refresh_token (grant_id)');
    await queryRunner.query('CREATE INDEX par_refresh_token_expires_at_idx ON par_refresh_token (expires_at)');
    await queryRunner.query(`CREATE TABLE par_revocation (
      key_hash varchar(64) PRIMARY KEY,
      expires_at timestamptz NOT NULL
    )`);
    await queryRunner.query('CREATE INDEX par_revocation_expires_at_idx ON par_revocation (expires_at)');
    await queryRunner.query(`CREATE TABLE par_signing_key (
      kid varchar(128) PRIMARY KEY,
      private_jwk jsonb NOT NULL,
      created_at timestamptz NOT NULL
    )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE par_signing_key');
    await queryRunner.query('DROP TABLE par_revocation');
    await queryRunner.query('DROP TABLE par_refresh_token');
  }
}
