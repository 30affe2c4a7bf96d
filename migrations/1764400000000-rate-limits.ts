import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rate limit counters shared by the instances: one row per key (endpoint, kind, client or address) and
 * fixed window, which each instance increments by what it counted since its last sync. Rows of closed
 * windows are purged by their `expires_at`.
 */
export class RateLimits1764400000000 implements MigrationInterface {
  name = 'RateLimits1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE par_rate_limits (
      key varchar(255) NOT NULL,
      window_start timestamptz NOT NULL,
      count integer NOT NULL,
      expires_at timestamptz NOT NULL,
      PRIMARY KEY (key, window_start)
    )`);
    await queryRunner.query('CREATE INDEX par_rate_limits_expires_at_idx ON par_rate_limits (expires_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE par_rate_limits');
  }
}
