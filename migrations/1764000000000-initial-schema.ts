import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Pushed authorization requests and used JWT ids (RFC 9126 §2, RFC 7523 §3). */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE par_pushed_request (
      reference_hash varchar(64) PRIMARY KEY,
      client_id varchar(255) NOT NULL,
      parameters jsonb NOT NULL,
      dpop_jkt varchar(128),
      expires_at timestamptz NOT NULL,
      consumed_at timestamptz,
      created_at timestamptz NOT NULL
    )`);
    await queryRunner.query('CREATE INDEX par_pushed_request_expires_at_idx ON par_pushed_request (expires_at)');
    await queryRunner.query(`CREATE TABLE par_used_jti (
      key_hash varchar(64) PRIMARY KEY,
      expires_at timestamptz NOT NULL
    )`);
    await queryRunner.query('CREATE INDEX par_used_jti_expires_at_idx ON par_used_jti (expires_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE par_used_jti');
    await queryRunner.query('DROP TABLE par_pushed_request');
  }
}
