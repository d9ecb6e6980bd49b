import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_DB_ROLE, CURRENT_TENANT_SQL } from '../appRole.js';

/**
 * Appointment types, weekly availability, time off and appointments. Double-booking is
 * made impossible by the database itself: an exclusion constraint over the occupied range
 * (appointment plus buffers) of every active appointment of one provider.
 */
export class Scheduling1763856510000 implements MigrationInterface {
  name = 'Scheduling1763856510000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // btree_gist lets one GiST index combine equality on uuids with range overlap.
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);

    await queryRunner.query(`
      CREATE TABLE appointment_types (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL REFERENCES practices(id),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
        kind text NOT NULL CHECK (kind IN ('virtual_consult', 'gfe', 'follow_up', 'treatment')),
        duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
        buffer_before_minutes integer NOT NULL DEFAULT 0 CHECK (buffer_before_minutes BETWEEN 0 AND 120),
        buffer_after_minutes integer NOT NULL DEFAULT 0 CHECK (buffer_after_minutes BETWEEN 0 AND 120),
        service_code text CHECK (service_code ~ '^[a-z0-9_]{1,64}$'),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        -- A treatment is always for one service (its GFE clearance is checked per service);
        -- consults and follow-ups are not tied to one.
        CHECK (kind <> 'treatment' OR service_code IS NOT NULL),
        CHECK (kind IN ('treatment', 'gfe') OR service_code IS NULL),
        UNIQUE (practice_id, id)
      )`);

    await queryRunner.query(`
      CREATE TABLE availability_rules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL,
        provider_id uuid NOT NULL,
        iso_weekday smallint NOT NULL CHECK (iso_weekday BETWEEN 1 AND 7),
        start_time time NOT NULL,
        end_time time NOT NULL,
        time_zone text NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
        effective_from date,
        effective_until date,
        CHECK (end_time > start_time),
        CHECK (effective_until IS NULL OR effective_from IS NULL OR effective_until >= effective_from),
        FOREIGN KEY (practice_id, provider_id) REFERENCES provider_profiles (practice_id, user_id)
      )`);
    await queryRunner.query(`CREATE INDEX availability_rules_provider ON availability_rules (practice_id, provider_id)`);

    await queryRunner.query(`
      CREATE TABLE availability_exceptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL,
        provider_id uuid NOT NULL,
        during tstzrange NOT NULL CHECK (NOT isempty(during) AND NOT lower_inf(during) AND NOT upper_inf(during)),
        created_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (practice_id, provider_id) REFERENCES provider_profiles (practice_id, user_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX availability_exceptions_during ON availability_exceptions USING gist (practice_id, provider_id, during)`,
    );

    await queryRunner.query(`
      CREATE TABLE appointments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL,
        appointment_type_id uuid NOT NULL,
        provider_id uuid NOT NULL,
        patient_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('virtual_consult', 'gfe', 'follow_up', 'treatment')),
        service_code text,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        -- The appointment plus the type's buffers: what the provider cannot double-book.
        occupied tstzrange NOT NULL,
        status text NOT NULL DEFAULT 'booked'
          CHECK (status IN ('booked', 'checked_in', 'in_progress', 'completed', 'cancelled', 'no_show')),
        -- The patient's stated location (US state) at booking, and as confirmed at check-in.
        patient_state char(2) NOT NULL CHECK (patient_state ~ '^[A-Z]{2}$'),
        patient_time_zone text NOT NULL CHECK (length(patient_time_zone) BETWEEN 1 AND 64),
        confirmed_state char(2) CHECK (confirmed_state ~ '^[A-Z]{2}$'),
        confirmed_at timestamptz,
        booked_by uuid,
        cancelled_by uuid,
        cancelled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (ends_at > starts_at),
        CHECK (lower(occupied) <= starts_at AND upper(occupied) >= ends_at AND NOT lower_inf(occupied) AND NOT upper_inf(occupied)),
        CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
        CHECK ((confirmed_state IS NULL) = (confirmed_at IS NULL)),
        UNIQUE (practice_id, id),
        FOREIGN KEY (practice_id, appointment_type_id) REFERENCES appointment_types (practice_id, id),
        FOREIGN KEY (practice_id, provider_id) REFERENCES provider_profiles (practice_id, user_id),
        FOREIGN KEY (practice_id, patient_id) REFERENCES users (practice_id, id),
        CONSTRAINT appointments_no_provider_overlap EXCLUDE USING gist (
          practice_id WITH =, provider_id WITH =, occupied WITH &&
        ) WHERE (status IN ('booked', 'checked_in', 'in_progress')),
        CONSTRAINT appointments_no_patient_overlap EXCLUDE USING gist (
          practice_id WITH =, patient_id WITH =, tstzrange(starts_at, ends_at) WITH &&
        ) WHERE (status IN ('booked', 'checked_in', 'in_progress'))
      )`);
    await queryRunner.query(`CREATE INDEX appointments_patient ON appointments (practice_id, patient_id, starts_at)`);
    await queryRunner.query(`CREATE INDEX appointments_provider ON appointments (practice_id, provider_id, starts_at)`);

    for (const table of ['appointment_types', 'availability_rules', 'availability_exceptions', 'appointments']) {
      await queryRunner.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(
        `CREATE POLICY ${table}_tenant ON ${table} USING (practice_id = ${CURRENT_TENANT_SQL}) WITH CHECK (practice_id = ${CURRENT_TENANT_SQL})`,
      );
    }
    // Appointments are medical records: they are cancelled, never deleted. Types are
    // deactivated for the same reason (appointments reference them).
    await queryRunner.query(`REVOKE DELETE, TRUNCATE ON appointments, appointment_types FROM ${APP_DB_ROLE}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE appointments`);
    await queryRunner.query(`DROP TABLE availability_exceptions`);
    await queryRunner.query(`DROP TABLE availability_rules`);
    await queryRunner.query(`DROP TABLE appointment_types`);
  }
}
