import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_DB_ROLE, CURRENT_TENANT_SQL } from '../appRole.js';

/**
 * Patient self-service: email verification for self-registered patients, a calendar
 * sequence per appointment (RFC 5545 §3.8.7.4 SEQUENCE) and the record of every
 * appointment email sent, whose unique key makes each notice and reminder go out once
 * however many API instances run the job queue.
 */
export class PatientOnboarding1764600500000 implements MigrationInterface {
  name = 'PatientOnboarding1764600500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Existing users and every account created by staff count as verified (the default);
    // only self-registration inserts NULL, and such a patient cannot book until verified.
    await queryRunner.query(`ALTER TABLE users ADD COLUMN email_verified_at timestamptz DEFAULT now()`);

    // Only the SHA-256 of a link's token is stored: a database reader cannot verify anyone.
    await queryRunner.query(`
      CREATE TABLE email_verification_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL,
        user_id uuid NOT NULL,
        token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
        -- What this registration asked for; applied only when its link is opened, so a
        -- stranger registering the same address first cannot choose the password.
        password_hash text NOT NULL,
        given_name text NOT NULL CHECK (length(given_name) BETWEEN 1 AND 100),
        family_name text NOT NULL CHECK (length(family_name) BETWEEN 1 AND 100),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        CHECK (expires_at > created_at),
        FOREIGN KEY (practice_id, user_id) REFERENCES users (practice_id, id) ON DELETE CASCADE
      )`);

    // Bumped by the database whenever the start moves or the visit is cancelled, so every
    // writer (patient, front desk, follow-up scheduling) updates calendar invites alike.
    await queryRunner.query(`ALTER TABLE appointments ADD COLUMN calendar_sequence integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`
      CREATE FUNCTION appointments_bump_calendar_sequence() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.starts_at IS DISTINCT FROM OLD.starts_at OR NEW.ends_at IS DISTINCT FROM OLD.ends_at
           OR (NEW.status = 'cancelled' AND OLD.status <> 'cancelled') THEN
          NEW.calendar_sequence := OLD.calendar_sequence + 1;
        ELSE
          NEW.calendar_sequence := OLD.calendar_sequence;
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER appointments_calendar_sequence BEFORE UPDATE ON appointments
      FOR EACH ROW EXECUTE FUNCTION appointments_bump_calendar_sequence()`);

    await queryRunner.query(`
      CREATE TABLE appointment_notices (
        practice_id uuid NOT NULL,
        appointment_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('confirmation', 'reschedule', 'cancellation', 'reminder_24h', 'reminder_1h')),
        calendar_sequence integer NOT NULL,
        sent_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (appointment_id, kind, calendar_sequence),
        FOREIGN KEY (practice_id, appointment_id) REFERENCES appointments (practice_id, id)
      )`);

    for (const table of ['email_verification_tokens', 'appointment_notices']) {
      await queryRunner.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(
        `CREATE POLICY ${table}_tenant ON ${table} USING (practice_id = ${CURRENT_TENANT_SQL}) WITH CHECK (practice_id = ${CURRENT_TENANT_SQL})`,
      );
    }
    // A sent email cannot be unsent: the record stays (and keeps reminders single).
    await queryRunner.query(`REVOKE UPDATE, DELETE, TRUNCATE ON appointment_notices FROM ${APP_DB_ROLE}`);
    await queryRunner.query(`REVOKE DELETE, TRUNCATE ON email_verification_tokens FROM ${APP_DB_ROLE}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE appointment_notices`);
    await queryRunner.query(`DROP TRIGGER appointments_calendar_sequence ON appointments`);
    await queryRunner.query(`DROP FUNCTION appointments_bump_calendar_sequence()`);
    await queryRunner.query(`ALTER TABLE appointments DROP COLUMN calendar_sequence`);
    await queryRunner.query(`DROP TABLE email_verification_tokens`);
    await queryRunner.query(`ALTER TABLE users DROP COLUMN email_verified_at`);
  }
}
