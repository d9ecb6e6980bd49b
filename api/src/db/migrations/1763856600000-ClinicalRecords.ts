import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_DB_ROLE, CURRENT_TENANT_SQL } from '../appRole.js';

/**
 * Encrypted clinical records: envelope data keys, consult notes with versions and
 * addenda, GFE outcomes per service, follow-up links and photos, symptom questionnaires,
 * partner referrals (disclosures) and KPI owners.
 *
 * Encrypted columns hold AES-256-GCM output (NIST SP 800-38D): a 96-bit IV, the
 * ciphertext and a 128-bit tag. The data key that encrypted them is a row of data_keys,
 * wrapped by a key-encryption key named by kek_id (api/src/crypto).
 */
export class ClinicalRecords1763856600000 implements MigrationInterface {
  name = 'ClinicalRecords1763856600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const sealed = `
        iv bytea NOT NULL CHECK (octet_length(iv) = 12),
        ciphertext bytea NOT NULL,
        auth_tag bytea NOT NULL CHECK (octet_length(auth_tag) = 16)`;

    // 40 bytes = a 32-byte key wrapped with RFC 3394 AES Key Wrap (+8-byte integrity block).
    // Rotation updates kek_id and wrapped_key in place; nothing else ever changes.
    await queryRunner.query(`
      CREATE TABLE data_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL REFERENCES practices(id),
        kek_id text NOT NULL CHECK (kek_id ~ '^[A-Za-z0-9._-]{1,64}$'),
        wrapped_key bytea NOT NULL CHECK (octet_length(wrapped_key) = 40),
        created_at timestamptz NOT NULL DEFAULT now(),
        rewrapped_at timestamptz,
        UNIQUE (practice_id, id)
      )`);
    await queryRunner.query(`CREATE INDEX data_keys_kek ON data_keys (practice_id, kek_id)`);

    await queryRunner.query(`
      CREATE TABLE clinical_notes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL,
        appointment_id uuid NOT NULL,
        patient_id uuid NOT NULL,
        author_id uuid NOT NULL,
        template text NOT NULL CHECK (template IN ('soap', 'gfe')),
        data_key_id uuid NOT NULL,
        current_version integer NOT NULL DEFAULT 0 CHECK (current_version >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        signed_at timestamptz,
        signed_by uuid,
        signed_version integer,
        -- SHA-256 of the signed version's plaintext: what the signature attests to.
        signed_digest char(64),
        CHECK ((signed_at IS NULL) = (signed_by IS NULL)),
        CHECK ((signed_at IS NULL) = (signed_version IS NULL)),
        CHECK ((signed_at IS NULL) = (signed_digest IS NULL)),
        CHECK (signed_version IS NULL OR signed_version = current_version),
        UNIQUE (practice_id, id),
        -- One note per visit: addenda, not second notes, amend it.
        UNIQUE (practice_id, appointment_id),
        FOREIGN KEY (practice_id, appointment_id) REFERENCES appointments (practice_id, id),
        FOREIGN KEY (practice_id, patient_id) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, author_id) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, signed_by) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, data_key_id) REFERENCES data_keys (practice_id, id)
      )`);
    await queryRunner.query(`CREATE INDEX clinical_notes_patient ON clinical_notes (practice_id, patient_id, created_at)`);

    await queryRunner.query(`
      CREATE TABLE clinical_note_versions (
        practice_id uuid NOT NULL,
        note_id uuid NOT NULL,
        version integer NOT NULL CHECK (version > 0),
        ${sealed},
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (practice_id, note_id, version),
        FOREIGN KEY (practice_id, note_id) REFERENCES clinical_notes (practice_id, id),
        FOREIGN KEY (practice_id, created_by) REFERENCES users (practice_id, id)
      )`);

    await queryRunner.query(`
      CREATE TABLE clinical_note_addenda (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL,
        note_id uuid NOT NULL,
        author_id uuid NOT NULL,
        ${sealed},
        signed_digest char(64) NOT NULL,
        signed_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (practice_id, note_id) REFERENCES clinical_notes (practice_id, id),
        FOREIGN KEY (practice_id, author_id) REFERENCES users (practice_id, id)
      )`);
    await queryRunner.query(`CREATE INDEX clinical_note_addenda_note ON clinical_note_addenda (practice_id, note_id, signed_at)`);

    // Outcomes are decisions of record: a new decision supersedes, nothing is edited.
    await queryRunner.query(`
      CREATE TABLE gfe_outcomes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL,
        patient_id uuid NOT NULL,
        provider_id uuid NOT NULL,
        note_id uuid NOT NULL,
        appointment_id uuid NOT NULL,
        service_code text NOT NULL CHECK (service_code ~ '^[a-z0-9_]{1,64}$'),
        outcome text NOT NULL CHECK (outcome IN ('cleared', 'deferred', 'not_cleared')),
        decided_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        CHECK ((outcome = 'cleared') = (expires_at IS NOT NULL)),
        CHECK (expires_at IS NULL OR expires_at > decided_at),
        UNIQUE (practice_id, note_id, service_code),
        FOREIGN KEY (practice_id, patient_id) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, provider_id) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, note_id) REFERENCES clinical_notes (practice_id, id),
        FOREIGN KEY (practice_id, appointment_id) REFERENCES appointments (practice_id, id)
      )`);
    await queryRunner.query(
      `CREATE INDEX gfe_outcomes_lookup ON gfe_outcomes (practice_id, patient_id, service_code, decided_at DESC)`,
    );

    await queryRunner.query(`
      CREATE TABLE follow_ups (
        practice_id uuid NOT NULL,
        follow_up_appointment_id uuid NOT NULL,
        treatment_appointment_id uuid NOT NULL,
        scheduled_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (practice_id, follow_up_appointment_id),
        FOREIGN KEY (practice_id, follow_up_appointment_id) REFERENCES appointments (practice_id, id),
        FOREIGN KEY (practice_id, treatment_appointment_id) REFERENCES appointments (practice_id, id),
        FOREIGN KEY (practice_id, scheduled_by) REFERENCES users (practice_id, id)
      )`);
    await queryRunner.query(`CREATE INDEX follow_ups_treatment ON follow_ups (practice_id, treatment_appointment_id)`);

    // Each photo has its own data key; its AAD binds it to practice, photo id and patient.
    await queryRunner.query(`
      CREATE TABLE clinical_photos (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL,
        patient_id uuid NOT NULL,
        appointment_id uuid NOT NULL,
        phase text NOT NULL CHECK (phase IN ('before', 'after', 'follow_up')),
        content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
        byte_size integer NOT NULL CHECK (byte_size > 0),
        data_key_id uuid NOT NULL,
        ${sealed},
        uploaded_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (practice_id, patient_id) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, appointment_id) REFERENCES appointments (practice_id, id),
        FOREIGN KEY (practice_id, uploaded_by) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, data_key_id) REFERENCES data_keys (practice_id, id)
      )`);
    await queryRunner.query(`CREATE INDEX clinical_photos_patient ON clinical_photos (practice_id, patient_id, created_at)`);

    await queryRunner.query(`
      CREATE TABLE symptom_questionnaires (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL,
        patient_id uuid NOT NULL,
        appointment_id uuid NOT NULL,
        data_key_id uuid NOT NULL,
        ${sealed},
        submitted_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (practice_id, appointment_id),
        FOREIGN KEY (practice_id, patient_id) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, appointment_id) REFERENCES appointments (practice_id, id),
        FOREIGN KEY (practice_id, data_key_id) REFERENCES data_keys (practice_id, id)
      )`);

    // A referral to a partner practice is a disclosure of PHI: it needs the patient's
    // authorisation and is listed in the patient's accounting of disclosures (45 CFR 164.528).
    await queryRunner.query(`
      CREATE TABLE referrals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL,
        patient_id uuid NOT NULL,
        requested_by uuid NOT NULL,
        recipient_name text NOT NULL CHECK (length(recipient_name) BETWEEN 1 AND 200),
        recipient_address text NOT NULL CHECK (length(recipient_address) BETWEEN 1 AND 500),
        purpose text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 500),
        information_disclosed text NOT NULL CHECK (length(information_disclosed) BETWEEN 1 AND 500),
        status text NOT NULL DEFAULT 'awaiting_consent'
          CHECK (status IN ('awaiting_consent', 'declined', 'disclosed')),
        requested_at timestamptz NOT NULL DEFAULT now(),
        consent_decided_at timestamptz,
        disclosed_at timestamptz,
        CHECK ((status = 'awaiting_consent') = (consent_decided_at IS NULL)),
        CHECK ((status = 'disclosed') = (disclosed_at IS NOT NULL)),
        FOREIGN KEY (practice_id, patient_id) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, requested_by) REFERENCES users (practice_id, id)
      )`);
    await queryRunner.query(`CREATE INDEX referrals_patient ON referrals (practice_id, patient_id, requested_at)`);

    await queryRunner.query(`
      CREATE TABLE kpi_owners (
        practice_id uuid NOT NULL REFERENCES practices(id),
        kpi text NOT NULL CHECK (kpi IN ('leads', 'appointments', 'patients_acquired')),
        owner_role text NOT NULL CHECK (owner_role IN ('marketing', 'front_desk', 'provider')),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (practice_id, kpi)
      )`);

    const tables = [
      'data_keys',
      'clinical_notes',
      'clinical_note_versions',
      'clinical_note_addenda',
      'gfe_outcomes',
      'follow_ups',
      'clinical_photos',
      'symptom_questionnaires',
      'referrals',
      'kpi_owners',
    ];
    for (const table of tables) {
      await queryRunner.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(
        `CREATE POLICY ${table}_tenant ON ${table} USING (practice_id = ${CURRENT_TENANT_SQL}) WITH CHECK (practice_id = ${CURRENT_TENANT_SQL})`,
      );
    }

    // Medical records are never deleted by the application; signed content, versions,
    // addenda, outcomes, photos and answers are never edited either.
    await queryRunner.query(
      `REVOKE DELETE, TRUNCATE ON data_keys, clinical_notes, follow_ups, referrals FROM ${APP_DB_ROLE}`,
    );
    await queryRunner.query(
      `REVOKE UPDATE, DELETE, TRUNCATE ON clinical_note_versions, clinical_note_addenda, gfe_outcomes, clinical_photos, symptom_questionnaires FROM ${APP_DB_ROLE}`,
    );

    // Sign-and-lock, enforced by the database for every role (the owner included): a
    // signed note row never changes, a signed note gains no versions, and addenda exist
    // only on signed notes. A note's identity columns never change at all.
    await queryRunner.query(`
      CREATE FUNCTION clinical_notes_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.signed_at IS NOT NULL THEN
          RAISE EXCEPTION 'clinical note % is signed and locked', OLD.id USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.id <> OLD.id OR NEW.practice_id <> OLD.practice_id OR NEW.appointment_id <> OLD.appointment_id
           OR NEW.patient_id <> OLD.patient_id OR NEW.author_id <> OLD.author_id
           OR NEW.template <> OLD.template OR NEW.data_key_id <> OLD.data_key_id
           OR NEW.current_version < OLD.current_version THEN
          RAISE EXCEPTION 'clinical note identity columns are immutable' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER clinical_notes_lock BEFORE UPDATE ON clinical_notes
      FOR EACH ROW EXECUTE FUNCTION clinical_notes_guard()`);

    await queryRunner.query(`
      CREATE FUNCTION clinical_records_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['clinical_note_versions', 'clinical_note_addenda']) {
      await queryRunner.query(`
        CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION clinical_records_refuse_change()`);
    }

    await queryRunner.query(`
      CREATE FUNCTION clinical_note_children_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        note_signed boolean;
      BEGIN
        SELECT signed_at IS NOT NULL INTO note_signed FROM clinical_notes
          WHERE practice_id = NEW.practice_id AND id = NEW.note_id FOR SHARE;
        IF TG_TABLE_NAME = 'clinical_note_versions' AND note_signed THEN
          RAISE EXCEPTION 'clinical note % is signed: no new versions', NEW.note_id USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_TABLE_NAME = 'clinical_note_addenda' AND NOT note_signed THEN
          RAISE EXCEPTION 'clinical note % is a draft: addenda follow signing', NEW.note_id USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    for (const table of ['clinical_note_versions', 'clinical_note_addenda']) {
      await queryRunner.query(`
        CREATE TRIGGER ${table}_signed_state BEFORE INSERT ON ${table}
        FOR EACH ROW EXECUTE FUNCTION clinical_note_children_guard()`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'kpi_owners',
      'referrals',
      'symptom_questionnaires',
      'clinical_photos',
      'follow_ups',
      'gfe_outcomes',
      'clinical_note_addenda',
      'clinical_note_versions',
      'clinical_notes',
      'data_keys',
    ]) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
    await queryRunner.query(`DROP FUNCTION clinical_note_children_guard()`);
    await queryRunner.query(`DROP FUNCTION clinical_records_refuse_change()`);
    await queryRunner.query(`DROP FUNCTION clinical_notes_guard()`);
  }
}
