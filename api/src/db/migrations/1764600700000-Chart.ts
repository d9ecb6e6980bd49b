import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_DB_ROLE, CURRENT_TENANT_SQL } from '../appRole.js';

/**
 * The chart around the consult (issue 9): the patient's intake form (versioned), in-person
 * treatment records (product, lot, face-map sites), Good Faith Exam validity rules per
 * state, the medical director's chart review (sample and decisions) and adverse events.
 * Clinical content is AES-256-GCM under a per-record data key (api/src/crypto), like notes;
 * plaintext columns hold only what queries need (ids, service codes, dates, statuses).
 */
export class Chart1764600700000 implements MigrationInterface {
  name = 'Chart1764600700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const sealed = `
        iv bytea NOT NULL CHECK (octet_length(iv) = 12),
        ciphertext bytea NOT NULL,
        auth_tag bytea NOT NULL CHECK (octet_length(auth_tag) = 16)`;

    // One intake per patient; every save is a new version, none is ever edited.
    await queryRunner.query(`
      CREATE TABLE intake_forms (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL,
        patient_id uuid NOT NULL,
        data_key_id uuid NOT NULL,
        current_version integer NOT NULL DEFAULT 0 CHECK (current_version >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (practice_id, id),
        UNIQUE (practice_id, patient_id),
        FOREIGN KEY (practice_id, patient_id) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, data_key_id) REFERENCES data_keys (practice_id, id)
      )`);
    await queryRunner.query(`
      CREATE TABLE intake_form_versions (
        practice_id uuid NOT NULL,
        intake_id uuid NOT NULL,
        version integer NOT NULL CHECK (version > 0),
        ${sealed},
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (practice_id, intake_id, version),
        FOREIGN KEY (practice_id, intake_id) REFERENCES intake_forms (practice_id, id),
        FOREIGN KEY (practice_id, created_by) REFERENCES users (practice_id, id)
      )`);

    await queryRunner.query(`
      CREATE TABLE treatment_records (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL,
        patient_id uuid NOT NULL,
        appointment_id uuid NOT NULL,
        provider_id uuid NOT NULL,
        service_code text NOT NULL CHECK (service_code ~ '^[a-z0-9_]{1,64}$'),
        data_key_id uuid NOT NULL,
        ${sealed},
        treated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (practice_id, id),
        UNIQUE (practice_id, appointment_id),
        FOREIGN KEY (practice_id, patient_id) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, appointment_id) REFERENCES appointments (practice_id, id),
        FOREIGN KEY (practice_id, provider_id) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, data_key_id) REFERENCES data_keys (practice_id, id)
      )`);
    await queryRunner.query(`CREATE INDEX treatment_records_patient ON treatment_records (practice_id, patient_id, treated_at)`);
    // A follow-up booked from a treatment record names it (the GFE -> treatment -> follow-up path).
    await queryRunner.query(`ALTER TABLE follow_ups ADD COLUMN treatment_record_id uuid`);
    await queryRunner.query(
      `ALTER TABLE follow_ups ADD FOREIGN KEY (practice_id, treatment_record_id) REFERENCES treatment_records (practice_id, id)`,
    );

    // state '*' is the practice default; a state row overrides it. months NULL = required
    // before every treatment.
    await queryRunner.query(`
      CREATE TABLE gfe_validity_rules (
        practice_id uuid NOT NULL REFERENCES practices(id),
        state text NOT NULL CHECK (state = '*' OR state ~ '^[A-Z]{2}$'),
        mode text NOT NULL CHECK (mode IN ('months', 'every_treatment')),
        months integer CHECK (months BETWEEN 1 AND 60),
        updated_by uuid NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((mode = 'months') = (months IS NOT NULL)),
        PRIMARY KEY (practice_id, state),
        FOREIGN KEY (practice_id, updated_by) REFERENCES users (practice_id, id)
      )`);

    await queryRunner.query(`
      CREATE TABLE chart_review_settings (
        practice_id uuid PRIMARY KEY REFERENCES practices(id),
        sample_percent integer NOT NULL CHECK (sample_percent BETWEEN 0 AND 100),
        updated_by uuid NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (practice_id, updated_by) REFERENCES users (practice_id, id)
      )`);
    // A sampled signed note; the reviewer's comments are sealed under the row's data key.
    await queryRunner.query(`
      CREATE TABLE chart_reviews (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL,
        note_id uuid NOT NULL,
        patient_id uuid NOT NULL,
        selected_at timestamptz NOT NULL DEFAULT now(),
        due_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'cosigned', 'returned')),
        reviewer_id uuid,
        decided_at timestamptz,
        data_key_id uuid,
        comment_iv bytea CHECK (octet_length(comment_iv) = 12),
        comment_ciphertext bytea,
        comment_auth_tag bytea CHECK (octet_length(comment_auth_tag) = 16),
        CHECK ((status = 'pending') = (decided_at IS NULL)),
        CHECK ((status = 'pending') = (reviewer_id IS NULL)),
        UNIQUE (practice_id, note_id),
        FOREIGN KEY (practice_id, note_id) REFERENCES clinical_notes (practice_id, id),
        FOREIGN KEY (practice_id, patient_id) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, reviewer_id) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, data_key_id) REFERENCES data_keys (practice_id, id)
      )`);
    await queryRunner.query(`CREATE INDEX chart_reviews_queue ON chart_reviews (practice_id, status, due_at)`);

    await queryRunner.query(`
      CREATE TABLE adverse_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL,
        patient_id uuid NOT NULL,
        treatment_record_id uuid,
        reported_by uuid NOT NULL,
        occurred_at timestamptz NOT NULL,
        severity text NOT NULL CHECK (severity IN ('mild', 'moderate', 'severe', 'life_threatening')),
        data_key_id uuid NOT NULL,
        ${sealed},
        reported_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        closed_by uuid,
        closed_at timestamptz,
        close_iv bytea CHECK (octet_length(close_iv) = 12),
        close_ciphertext bytea,
        close_auth_tag bytea CHECK (octet_length(close_auth_tag) = 16),
        CHECK ((status = 'open') = (closed_at IS NULL)),
        CHECK ((status = 'open') = (closed_by IS NULL)),
        FOREIGN KEY (practice_id, patient_id) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, treatment_record_id) REFERENCES treatment_records (practice_id, id),
        FOREIGN KEY (practice_id, reported_by) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, closed_by) REFERENCES users (practice_id, id),
        FOREIGN KEY (practice_id, data_key_id) REFERENCES data_keys (practice_id, id)
      )`);
    await queryRunner.query(`CREATE INDEX adverse_events_status ON adverse_events (practice_id, status, reported_at)`);

    const tables = [
      'intake_forms',
      'intake_form_versions',
      'treatment_records',
      'gfe_validity_rules',
      'chart_review_settings',
      'chart_reviews',
      'adverse_events',
    ];
    for (const table of tables) {
      await queryRunner.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(
        `CREATE POLICY ${table}_tenant ON ${table} USING (practice_id = ${CURRENT_TENANT_SQL}) WITH CHECK (practice_id = ${CURRENT_TENANT_SQL})`,
      );
    }
    // Default privileges (Foundation) grant the runtime role everything: take back what
    // medical records must never undergo. Only validity rules may be removed (a state
    // falling back to the practice default).
    const records = tables.filter((table) => table !== 'gfe_validity_rules');
    await queryRunner.query(`REVOKE DELETE, TRUNCATE ON ${records.join(', ')} FROM ${APP_DB_ROLE}`);
    await queryRunner.query(`REVOKE UPDATE ON intake_form_versions, treatment_records FROM ${APP_DB_ROLE}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE follow_ups DROP COLUMN treatment_record_id`);
    for (const table of [
      'adverse_events',
      'chart_reviews',
      'chart_review_settings',
      'gfe_validity_rules',
      'treatment_records',
      'intake_form_versions',
      'intake_forms',
    ]) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
