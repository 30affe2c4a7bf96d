import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Interactions are deleted with their request (ON DELETE CASCADE), never by their own expiry: the index
 * on par_interaction.expires_at only cost a write per authorization.
 */
export class LighterInteractions1764300000000 implements MigrationInterface {
  name = 'LighterInteractions1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX par_interaction_expires_at_idx');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE INDEX par_interaction_expires_at_idx ON par_interaction (expires_at)');
  }
}
