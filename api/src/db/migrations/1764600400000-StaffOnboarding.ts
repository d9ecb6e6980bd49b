import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_DB_ROLE, CURRENT_TENANT_SQL } from '../appRole.js';

/**
 * Day-one onboarding (issue 8): the first-run setup token, single-use invite and
 * password-reset tokens, TOTP recovery codes, a practice branding name and a provider bio.
 * Tokens and codes are stored only as SHA-256 digests: a database leak yields none.
 */
export class StaffOnboarding1764600400000 implements MigrationInterface {
  name = 'StaffOnboarding1764600400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE practices ADD COLUMN branding_name text CHECK (length(branding_name) BETWEEN 1 AND 200)`);
    // Invited staff exist (so their provider profile and the admin's list show them) before
    // they have chosen a password; a NULL hash never verifies.
    await queryRunner.query(`ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE provider_profiles ADD COLUMN bio text NOT NULL DEFAULT '' CHECK (length(bio) <= 1000)`,
    );

    // Not a tenant table: it exists before any practice. The runtime role has no privilege on
    // it; it reaches it only through the SECURITY DEFINER functions below.
    await queryRunner.query(`
      CREATE TABLE setup_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash char(64) NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`ALTER TABLE setup_tokens ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE setup_tokens FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY setup_tokens_not_runtime ON setup_tokens USING (current_user <> '${APP_DB_ROLE}') WITH CHECK (current_user <> '${APP_DB_ROLE}')`,
    );
    await queryRunner.query(`REVOKE ALL ON setup_tokens FROM ${APP_DB_ROLE}`);
    // practices only had a read policy (the owner inserted as a superuser); the setup
    // function below inserts as the owner, which FORCE ROW LEVEL SECURITY also binds.
    await queryRunner.query(
      `CREATE POLICY practices_owner_insert ON practices FOR INSERT WITH CHECK (current_user <> '${APP_DB_ROLE}')`,
    );

    // Checks (and with p_consume, uses) a setup token: 'ok', 'token_invalid', 'token_used',
    // 'token_expired' or 'practice_exists'. The table lock makes two racing setups serial.
    await queryRunner.query(`
      CREATE FUNCTION setup_token_state(p_hash text, p_consume boolean) RETURNS text
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        t setup_tokens%ROWTYPE;
      BEGIN
        IF p_consume THEN
          LOCK TABLE setup_tokens IN SHARE ROW EXCLUSIVE MODE;
        END IF;
        SELECT * INTO t FROM setup_tokens WHERE token_hash = p_hash;
        IF NOT FOUND THEN RETURN 'token_invalid'; END IF;
        IF t.used_at IS NOT NULL THEN RETURN 'token_used'; END IF;
        IF t.expires_at <= now() THEN RETURN 'token_expired'; END IF;
        IF EXISTS (SELECT 1 FROM practices) THEN RETURN 'practice_exists'; END IF;
        IF p_consume THEN
          UPDATE setup_tokens SET used_at = now() WHERE id = t.id;
        END IF;
        RETURN 'ok';
      END $$`);
    // Uses the token and creates the first practice in the caller's transaction, so the
    // admin user and audit rows written next commit (or roll back) with it.
    await queryRunner.query(`
      CREATE FUNCTION create_first_practice(p_hash text, p_slug text, p_name text, p_time_zone text, p_branding_name text)
      RETURNS TABLE (state text, practice_id uuid)
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        s text;
        pid uuid;
      BEGIN
        s := setup_token_state(p_hash, true);
        IF s <> 'ok' THEN
          RETURN QUERY SELECT s, NULL::uuid;
          RETURN;
        END IF;
        INSERT INTO practices (slug, name, time_zone, branding_name)
          VALUES (p_slug, p_name, p_time_zone, p_branding_name) RETURNING id INTO pid;
        RETURN QUERY SELECT 'ok'::text, pid;
      END $$`);
    for (const fn of ['setup_token_state(text, boolean)', 'create_first_practice(text, text, text, text, text)']) {
      await queryRunner.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await queryRunner.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${APP_DB_ROLE}`);
    }

    await queryRunner.query(`
      CREATE TABLE user_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL,
        user_id uuid NOT NULL,
        purpose text NOT NULL CHECK (purpose IN ('invite', 'password_reset')),
        token_hash char(64) NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (practice_id, user_id) REFERENCES users (practice_id, id)
      )`);
    await queryRunner.query(`CREATE INDEX user_tokens_user ON user_tokens (practice_id, user_id, purpose)`);
    await queryRunner.query(`
      CREATE TABLE recovery_codes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL,
        user_id uuid NOT NULL,
        code_hash char(64) NOT NULL CHECK (code_hash ~ '^[0-9a-f]{64}$'),
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (practice_id, user_id, code_hash),
        FOREIGN KEY (practice_id, user_id) REFERENCES users (practice_id, id)
      )`);
    for (const table of ['user_tokens', 'recovery_codes']) {
      await queryRunner.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(
        `CREATE POLICY ${table}_tenant ON ${table} USING (practice_id = ${CURRENT_TENANT_SQL}) WITH CHECK (practice_id = ${CURRENT_TENANT_SQL})`,
      );
      await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO ${APP_DB_ROLE}`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE recovery_codes`);
    await queryRunner.query(`DROP TABLE user_tokens`);
    await queryRunner.query(`DROP FUNCTION create_first_practice(text, text, text, text, text)`);
    await queryRunner.query(`DROP FUNCTION setup_token_state(text, boolean)`);
    await queryRunner.query(`DROP POLICY practices_owner_insert ON practices`);
    await queryRunner.query(`DROP TABLE setup_tokens`);
    await queryRunner.query(`ALTER TABLE provider_profiles DROP COLUMN bio`);
    await queryRunner.query(`ALTER TABLE users ALTER COLUMN password_hash SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE practices DROP COLUMN branding_name`);
  }
}
