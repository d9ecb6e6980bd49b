import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ROLES } from '@medspa/shared-types';
import { CURRENT_TENANT_SQL } from '../appRole.js';

/** Users of a practice. Names are PHI for patients: they never appear in logs or audit rows. */
export class Users1763856100000 implements MigrationInterface {
  name = 'Users1763856100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const roleList = ROLES.map((role) => `'${role}'`).join(', ');
    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL REFERENCES practices(id),
        role text NOT NULL CHECK (role IN (${roleList})),
        email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
        password_hash text NOT NULL,
        given_name text NOT NULL CHECK (length(given_name) BETWEEN 1 AND 100),
        family_name text NOT NULL CHECK (length(family_name) BETWEEN 1 AND 100),
        created_at timestamptz NOT NULL DEFAULT now(),
        disabled_at timestamptz,
        -- Lets the (practice, id) pair be a foreign key target, so child rows cannot point
        -- at another tenant's user.
        UNIQUE (practice_id, id)
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX users_email_per_practice ON users (practice_id, lower(email))`);
    await queryRunner.query(`ALTER TABLE users ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE users FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY users_tenant ON users USING (practice_id = ${CURRENT_TENANT_SQL}) WITH CHECK (practice_id = ${CURRENT_TENANT_SQL})`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE users`);
  }
}
