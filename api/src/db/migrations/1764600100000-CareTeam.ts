import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_DB_ROLE, CURRENT_TENANT_SQL } from '../appRole.js';

/**
 * Minimum necessary (45 CFR 164.502(b)), docs/access-policy.md: explicit care-team
 * assignments of a provider to a patient, and break-glass grants (a user's time-boxed,
 * reasoned access to one patient's clinical records outside the care team).
 *
 * Both are records of who could see what and why, so the application never deletes
 * them: an assignment is ended (ended_at), a grant simply expires; grants never change.
 */
export class CareTeam1764600100000 implements MigrationInterface {
  name = 'CareTeam1764600100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE care_team_assignments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL,
        patient_id uuid NOT NULL,
        provider_id uuid NOT NULL,
        assigned_by uuid NOT NULL,
        assigned_at timestamptz NOT NULL DEFAULT now(),
        ended_at timestamptz,
        ended_by uuid,
        CHECK ((ended_at IS NULL) = (ended_by IS NULL)),
        CHECK (ended_at IS NULL OR ended_at >= assigned_at),
        FOREIGN KEY (practice_id, patient_id) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, provider_id) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, assigned_by) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, ended_by) REFERENCES users (practice_id, id)
      )`);
    // One active assignment per provider and patient; ended ones stay as history.
    await queryRunner.query(`
      CREATE UNIQUE INDEX care_team_assignments_active
        ON care_team_assignments (practice_id, patient_id, provider_id) WHERE ended_at IS NULL`);

    // The reason is free text a user typed and may name the patient's condition: it lives
    // here, readable by compliance review, and never in audit metadata (only its length).
    await queryRunner.query(`
      CREATE TABLE break_glass_grants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL,
        user_id uuid NOT NULL,
        patient_id uuid NOT NULL,
        reason text NOT NULL CHECK (length(reason) BETWEEN 10 AND 500),
        granted_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        CHECK (expires_at > granted_at AND expires_at <= granted_at + interval '4 hours'),
        FOREIGN KEY (practice_id, user_id) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, patient_id) REFERENCES users (practice_id, id)
      )`);
    await queryRunner.query(
      `CREATE INDEX break_glass_grants_active ON break_glass_grants (practice_id, user_id, patient_id, expires_at)`,
    );
    await queryRunner.query(`CREATE INDEX break_glass_grants_review ON break_glass_grants (practice_id, granted_at)`);
    // The care-team check looks up an injector's appointments with one patient.
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS appointments_care_team ON appointments (practice_id, patient_id, provider_id, ends_at)`,
    );

    for (const table of ['care_team_assignments', 'break_glass_grants']) {
      await queryRunner.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(
        `CREATE POLICY ${table}_tenant ON ${table} USING (practice_id = ${CURRENT_TENANT_SQL}) WITH CHECK (practice_id = ${CURRENT_TENANT_SQL})`,
      );
    }
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE ON care_team_assignments TO ${APP_DB_ROLE}`);
    await queryRunner.query(`REVOKE DELETE, TRUNCATE ON care_team_assignments FROM ${APP_DB_ROLE}`);
    await queryRunner.query(`GRANT SELECT, INSERT ON break_glass_grants TO ${APP_DB_ROLE}`);
    await queryRunner.query(`REVOKE UPDATE, DELETE, TRUNCATE ON break_glass_grants FROM ${APP_DB_ROLE}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS appointments_care_team`);
    await queryRunner.query(`DROP TABLE break_glass_grants`);
    await queryRunner.query(`DROP TABLE care_team_assignments`);
  }
}
