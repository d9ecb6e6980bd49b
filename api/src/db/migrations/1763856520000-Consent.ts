import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_DB_ROLE, CURRENT_TENANT_SQL } from '../appRole.js';

/**
 * Versioned consent documents (telehealth and treatment kept apart) and patients'
 * e-signatures. A published document and every signature are immutable: the runtime role
 * may not delete them and triggers refuse changes from anyone.
 */
export class Consent1763856520000 implements MigrationInterface {
  name = 'Consent1763856520000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE consent_documents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL REFERENCES practices(id),
        kind text NOT NULL CHECK (kind IN ('telehealth', 'treatment')),
        version integer NOT NULL CHECK (version > 0),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        body text NOT NULL CHECK (length(body) BETWEEN 1 AND 100000),
        body_sha256 char(64) NOT NULL CHECK (body_sha256 ~ '^[0-9a-f]{64}$'),
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        UNIQUE (practice_id, kind, version),
        UNIQUE (practice_id, id)
      )`);
    await queryRunner.query(`
      CREATE FUNCTION consent_documents_freeze_published() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          IF OLD.published_at IS NOT NULL THEN
            RAISE EXCEPTION 'published consent documents are immutable' USING ERRCODE = 'insufficient_privilege';
          END IF;
          RETURN OLD;
        END IF;
        IF OLD.published_at IS NOT NULL THEN
          RAISE EXCEPTION 'published consent documents are immutable' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.kind <> OLD.kind OR NEW.version <> OLD.version OR NEW.practice_id <> OLD.practice_id THEN
          RAISE EXCEPTION 'consent document identity cannot change' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER consent_documents_immutable BEFORE UPDATE OR DELETE ON consent_documents
      FOR EACH ROW EXECUTE FUNCTION consent_documents_freeze_published()`);

    await queryRunner.query(`
      CREATE TABLE consent_signatures (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL,
        document_id uuid NOT NULL,
        patient_id uuid NOT NULL,
        -- The exact text signed (ESIGN Act, 15 U.S.C. 7001: the record must be retained as signed).
        document_sha256 char(64) NOT NULL CHECK (document_sha256 ~ '^[0-9a-f]{64}$'),
        signature_name text NOT NULL CHECK (length(signature_name) BETWEEN 1 AND 200),
        signed_at timestamptz NOT NULL DEFAULT now(),
        ip text,
        user_agent text,
        UNIQUE (practice_id, document_id, patient_id),
        FOREIGN KEY (practice_id, document_id) REFERENCES consent_documents (practice_id, id),
        FOREIGN KEY (practice_id, patient_id) REFERENCES users (practice_id, id)
      )`);
    await queryRunner.query(`CREATE INDEX consent_signatures_patient ON consent_signatures (practice_id, patient_id)`);
    await queryRunner.query(`
      CREATE FUNCTION consent_signatures_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'consent signatures are immutable: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER consent_signatures_immutable BEFORE UPDATE OR DELETE ON consent_signatures
      FOR EACH ROW EXECUTE FUNCTION consent_signatures_refuse_change()`);

    for (const table of ['consent_documents', 'consent_signatures']) {
      await queryRunner.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(
        `CREATE POLICY ${table}_tenant ON ${table} USING (practice_id = ${CURRENT_TENANT_SQL}) WITH CHECK (practice_id = ${CURRENT_TENANT_SQL})`,
      );
    }
    await queryRunner.query(`REVOKE UPDATE, DELETE, TRUNCATE ON consent_signatures FROM ${APP_DB_ROLE}`);
    await queryRunner.query(`REVOKE TRUNCATE ON consent_documents FROM ${APP_DB_ROLE}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE consent_signatures`);
    await queryRunner.query(`DROP FUNCTION consent_signatures_refuse_change()`);
    await queryRunner.query(`DROP TABLE consent_documents`);
    await queryRunner.query(`DROP FUNCTION consent_documents_freeze_published()`);
  }
}
