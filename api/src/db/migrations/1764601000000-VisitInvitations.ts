import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_DB_ROLE, CURRENT_TENANT_SQL } from '../appRole.js';

/**
 * Guests of a visit (issue 10): people the visit's provider invites beside the patient (an
 * interpreter, a caregiver or family member, a supervising clinician). Each row is one
 * single-secret link; only its SHA-256 digest is stored, so a database leak yields no usable
 * link. The link works until `revoked_at` or `expires_at` (the end of the visit window);
 * `admitted_at` remembers the provider's admission so a rejoin after a room moved between
 * SFU nodes does not wait twice (room_admissions only holds users, and a guest is none).
 */
export class VisitInvitations1764601000000 implements MigrationInterface {
  name = 'VisitInvitations1764601000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE visit_invitations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL REFERENCES practices(id),
        appointment_id uuid NOT NULL REFERENCES appointments(id),
        invited_name text NOT NULL CHECK (length(invited_name) BETWEEN 1 AND 120),
        email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
        relation text NOT NULL CHECK (relation IN ('interpreter', 'caregiver', 'family_member', 'clinician')),
        invited_by uuid NOT NULL REFERENCES users(id),
        token_hash char(64) NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_by uuid REFERENCES users(id),
        admitted_at timestamptz,
        CHECK (expires_at > created_at),
        CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
      )`);
    await queryRunner.query(`CREATE INDEX visit_invitations_appointment ON visit_invitations (practice_id, appointment_id, created_at)`);
    await queryRunner.query(`ALTER TABLE visit_invitations ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE visit_invitations FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY visit_invitations_tenant ON visit_invitations USING (practice_id = ${CURRENT_TENANT_SQL}) WITH CHECK (practice_id = ${CURRENT_TENANT_SQL})`,
    );
    // No DELETE: a withdrawn invitation stays as history (revoked_at), like care-team assignments.
    await queryRunner.query(`GRANT SELECT, INSERT ON visit_invitations TO ${APP_DB_ROLE}`);
    await queryRunner.query(`GRANT UPDATE (revoked_at, revoked_by, admitted_at) ON visit_invitations TO ${APP_DB_ROLE}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE visit_invitations`);
  }
}
