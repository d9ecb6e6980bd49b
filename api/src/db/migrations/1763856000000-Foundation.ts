import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_DB_ROLE, CURRENT_TENANT_SQL } from '../appRole.js';

/**
 * Runtime role, default privileges, tenants (practices) and the append-only,
 * hash-chained audit trail.
 */
export class Foundation1763856000000 implements MigrationInterface {
  name = 'Foundation1763856000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Roles are cluster-wide: several databases (and parallel test runs) share one, so
    // creation tolerates a concurrent creator.
    await queryRunner.query(`
      DO $$ BEGIN
        CREATE ROLE ${APP_DB_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);
    await queryRunner.query(`
      DO $$ BEGIN
        EXECUTE format('GRANT ${APP_DB_ROLE} TO %I', current_user);
      EXCEPTION WHEN others THEN NULL;
      END $$`);
    await queryRunner.query(`GRANT USAGE ON SCHEMA public TO ${APP_DB_ROLE}`);
    // Readiness compares applied migrations with the code; TypeORM made this table first.
    await queryRunner.query(`GRANT SELECT ON migrations TO ${APP_DB_ROLE}`);
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP_DB_ROLE}`,
    );
    await queryRunner.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${APP_DB_ROLE}`);

    await queryRunner.query(`
      CREATE TABLE practices (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        time_zone text NOT NULL DEFAULT 'America/New_York',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // A practice's name and slug are public (provider disclosure page, login form), so
    // every session may read them; only the owner creates practices.
    await queryRunner.query(`ALTER TABLE practices ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE practices FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(`CREATE POLICY practices_public_read ON practices FOR SELECT USING (true)`);
    await queryRunner.query(`REVOKE INSERT, UPDATE, DELETE ON practices FROM ${APP_DB_ROLE}`);

    await queryRunner.query(`
      CREATE TABLE audit_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL REFERENCES practices(id),
        seq bigint NOT NULL CHECK (seq > 0),
        occurred_at timestamptz NOT NULL,
        actor_user_id uuid,
        actor_role text,
        action text NOT NULL,
        entity_type text,
        entity_id text,
        patient_id uuid,
        outcome text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
        ip text,
        user_agent text,
        request_id text,
        prev_hash char(64) NOT NULL,
        hash char(64) NOT NULL,
        UNIQUE (practice_id, seq)
      )`);
    await queryRunner.query(`CREATE INDEX audit_events_time ON audit_events (practice_id, occurred_at)`);
    await queryRunner.query(`CREATE INDEX audit_events_patient ON audit_events (practice_id, patient_id, occurred_at)`);
    await queryRunner.query(`CREATE INDEX audit_events_actor ON audit_events (practice_id, actor_user_id, occurred_at)`);

    // One row per practice holding the chain tip; writers lock it, which serialises
    // appends per tenant and makes `seq` gapless.
    await queryRunner.query(`
      CREATE TABLE audit_chain_heads (
        practice_id uuid PRIMARY KEY REFERENCES practices(id),
        last_seq bigint NOT NULL,
        last_hash char(64) NOT NULL
      )`);

    for (const table of ['audit_events', 'audit_chain_heads']) {
      await queryRunner.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(
        `CREATE POLICY ${table}_tenant ON ${table} USING (practice_id = ${CURRENT_TENANT_SQL}) WITH CHECK (practice_id = ${CURRENT_TENANT_SQL})`,
      );
    }

    // Append-only: the runtime role may only read and insert, and a trigger refuses
    // UPDATE, DELETE and TRUNCATE from anyone, the owner included.
    await queryRunner.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM ${APP_DB_ROLE}`);
    await queryRunner.query(`REVOKE DELETE, TRUNCATE ON audit_chain_heads FROM ${APP_DB_ROLE}`);
    await queryRunner.query(`
      CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()`);
    await queryRunner.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_chain_heads`);
    await queryRunner.query(`DROP TRIGGER audit_events_append_only ON audit_events`);
    await queryRunner.query(`DROP TABLE audit_events`);
    await queryRunner.query(`DROP FUNCTION audit_events_refuse_change()`);
    await queryRunner.query(`DROP TABLE practices`);
  }
}
