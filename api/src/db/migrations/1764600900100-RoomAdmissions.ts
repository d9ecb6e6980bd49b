import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_DB_ROLE, CURRENT_TENANT_SQL } from '../appRole.js';

/**
 * Who was admitted to which visit room. Admission used to live only in the SFU node's
 * memory; with several nodes a room can move (its node died), and a patient admitted once
 * must not wait to be admitted again: room tokens carry `admitted` from this table.
 */
export class RoomAdmissions1764600900100 implements MigrationInterface {
  name = 'RoomAdmissions1764600900100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE room_admissions (
        practice_id uuid NOT NULL REFERENCES practices(id),
        appointment_id uuid NOT NULL REFERENCES appointments(id),
        user_id uuid NOT NULL REFERENCES users(id),
        admitted_by uuid NOT NULL REFERENCES users(id),
        admitted_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (appointment_id, user_id)
      )`);
    await queryRunner.query(`ALTER TABLE room_admissions ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE room_admissions FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY room_admissions_tenant ON room_admissions USING (practice_id = ${CURRENT_TENANT_SQL}) WITH CHECK (practice_id = ${CURRENT_TENANT_SQL})`,
    );
    await queryRunner.query(`GRANT SELECT, INSERT ON room_admissions TO ${APP_DB_ROLE}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE room_admissions`);
  }
}
