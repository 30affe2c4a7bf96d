import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The authorization endpoint's state: when a request_uri was first used and how long its row is kept
 * (the redemption window is short, the login it starts may be long), interactions bound to a browser,
 * and authorization codes (RFC 6749 §4.1.2), all keyed by SHA-256 hashes.
 */
export class InteractionsAndCodes1764100000000 implements MigrationInterface {
  name = 'InteractionsAndCodes1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE par_pushed_request ADD COLUMN first_used_at timestamptz');
    await queryRunner.query('ALTER TABLE par_pushed_request ADD COLUMN retain_until timestamptz');
    await queryRunner.query('ALTER TABLE par_pushed_request ADD COLUMN credentialed boolean NOT NULL DEFAULT false');
    await queryRunner.query('UPDATE par_pushed_request SET retain_until = expires_at');
    await queryRunner.query('ALTER TABLE par_pushed_request ALTER COLUMN retain_until SET NOT NULL');
    await queryRunner.query('DROP INDEX par_pushed_request_expires_at_idx');
    await queryRunner.query('CREATE INDEX par_pushed_request_retain_until_idx ON par_pushed_request (retain_until)');
    await queryRunner.query(`CREATE TABLE par_interaction (
      uid_hash varchar(64) PRIMARY KEY,
      binding_hash varchar(64) NOT NULL,
      request_hash varchar(64) NOT NULL REFERENCES par_pushed_request (reference_hash) ON DELETE CASCADE,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL
    )`);
    await queryRunner.query('CREATE INDEX par_interaction_request_hash_idx ON par_interaction (request_hash)');
    await queryRunner.query('CREATE INDEX par_interaction_expires_at_idx ON par_interaction (expires_at)');
    await queryRunner.query(`CREATE TABLE par_authorization_code (
      code_hash varchar(64) PRIMARY KEY,
      client_id varchar(255) NOT NULL,
      grant_id varchar(64) NOT NULL,
      grant_data jsonb NOT NULL,
      expires_at timestamptz NOT NULL,
      consumed_at timestamptz,
      created_at timestamptz NOT NULL
    )`);
    await queryRunner.query('CREATE INDEX par_authorization_code_expires_at_idx ON par_authorization_code (expires_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE par_authorization_code');
    await queryRunner.query('DROP TABLE par_interaction');
    await queryRunner.query('DROP INDEX par_pushed_request_retain_until_idx');
    await queryRunner.query('CREATE INDEX par_pushed_request_expires_at_idx ON par_pushed_request (expires_at)');
    await queryRunner.query('ALTER TABLE par_pushed_request DROP COLUMN credentialed');
    await queryRunner.query('ALTER TABLE par_pushed_request DROP COLUMN retain_until');
    await queryRunner.query('ALTER TABLE par_pushed_request DROP COLUMN first_used_at');
  }
}
