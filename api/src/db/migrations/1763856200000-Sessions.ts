import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_DB_ROLE, CURRENT_TENANT_SQL } from '../appRole.js';

/**
 * Login sessions (one per sign-in; the refresh-token family), the refresh tokens each
 * session has issued, and the users' MFA and lockout state.
 */
export class Sessions1763856200000 implements MigrationInterface {
  name = 'Sessions1763856200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // TOTP (RFC 6238) state and lockout counters live on the user row: a login locks the
    // row (SELECT ... FOR UPDATE), which serialises concurrent attempts on one account.
    await queryRunner.query(`
      ALTER TABLE users
        ADD COLUMN totp_secret text,
        ADD COLUMN totp_enabled_at timestamptz,
        ADD COLUMN totp_last_step bigint,
        ADD COLUMN failed_login_count integer NOT NULL DEFAULT 0 CHECK (failed_login_count >= 0),
        ADD COLUMN locked_until timestamptz,
        ADD CONSTRAINT users_totp_enabled_has_secret CHECK (totp_enabled_at IS NULL OR totp_secret IS NOT NULL)`);

    await queryRunner.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL REFERENCES practices(id),
        user_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_activity_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text CHECK (revoked_reason IN ('logout', 'idle_timeout', 'refresh_reuse', 'user_changed')),
        ip text,
        user_agent text,
        FOREIGN KEY (practice_id, user_id) REFERENCES users(practice_id, id),
        UNIQUE (practice_id, id),
        CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
      )`);
    await queryRunner.query(`CREATE INDEX sessions_user ON sessions (practice_id, user_id) WHERE revoked_at IS NULL`);

    // Only a SHA-256 digest of each refresh token is kept. Rotated tokens stay (with
    // rotated_at set) so presenting one again is recognised as reuse of a stolen token.
    await queryRunner.query(`
      CREATE TABLE refresh_tokens (
        token_hash char(64) PRIMARY KEY,
        practice_id uuid NOT NULL,
        session_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        rotated_at timestamptz,
        FOREIGN KEY (practice_id, session_id) REFERENCES sessions(practice_id, id)
      )`);
    await queryRunner.query(`CREATE INDEX refresh_tokens_session ON refresh_tokens (practice_id, session_id)`);

    for (const table of ['sessions', 'refresh_tokens']) {
      await queryRunner.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(
        `CREATE POLICY ${table}_tenant ON ${table} USING (practice_id = ${CURRENT_TENANT_SQL}) WITH CHECK (practice_id = ${CURRENT_TENANT_SQL})`,
      );
      // Sessions are revoked, never deleted: they are evidence for the audit trail.
      await queryRunner.query(`REVOKE DELETE, TRUNCATE ON ${table} FROM ${APP_DB_ROLE}`);
    }
    // Users are disabled, never deleted (audit events and records keep pointing at them).
    await queryRunner.query(`REVOKE DELETE, TRUNCATE ON users FROM ${APP_DB_ROLE}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE refresh_tokens`);
    await queryRunner.query(`DROP TABLE sessions`);
    await queryRunner.query(`
      ALTER TABLE users
        DROP CONSTRAINT users_totp_enabled_has_secret,
        DROP COLUMN totp_secret, DROP COLUMN totp_enabled_at, DROP COLUMN totp_last_step,
        DROP COLUMN failed_login_count, DROP COLUMN locked_until`);
    await queryRunner.query(`GRANT DELETE ON users TO ${APP_DB_ROLE}`);
  }
}
