import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How the provider ended a visit from the room: completed, no-show or ended early (the
 * status alone cannot tell "ended early" from "completed"), and when. Columns on the existing
 * appointments table, so its RLS policy and grants cover them.
 */
export class VisitOutcome1764600600000 implements MigrationInterface {
  name = 'VisitOutcome1764600600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE appointments
        ADD COLUMN visit_outcome text CHECK (visit_outcome IN ('completed', 'no_show', 'ended_early')),
        ADD COLUMN ended_at timestamptz,
        ADD COLUMN ended_by uuid`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE appointments DROP COLUMN ended_by, DROP COLUMN ended_at, DROP COLUMN visit_outcome`);
  }
}
