import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CURRENT_TENANT_SQL } from '../appRole.js';

/**
 * Provider profiles (credential, specialties, home time zone) and state licenses with
 * validity dates. Booking and admission consult the licenses (docs/product.md "Injectors / providers").
 */
export class ProviderLicensure1763856500000 implements MigrationInterface {
  name = 'ProviderLicensure1763856500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE provider_profiles (
        practice_id uuid NOT NULL,
        user_id uuid NOT NULL,
        credential text NOT NULL CHECK (credential IN ('RN', 'NP', 'PA', 'MD', 'DO')),
        specialties text[] NOT NULL DEFAULT '{}' CHECK (cardinality(specialties) <= 20),
        time_zone text NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (practice_id, user_id),
        FOREIGN KEY (practice_id, user_id) REFERENCES users (practice_id, id)
      )`);
    await queryRunner.query(`
      CREATE TABLE provider_licenses (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        practice_id uuid NOT NULL,
        provider_id uuid NOT NULL,
        state char(2) NOT NULL CHECK (state ~ '^[A-Z]{2}$'),
        license_number text NOT NULL CHECK (length(license_number) BETWEEN 1 AND 64),
        valid_from date NOT NULL,
        expires_on date NOT NULL,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (expires_on >= valid_from),
        UNIQUE (practice_id, provider_id, state, license_number),
        FOREIGN KEY (practice_id, provider_id) REFERENCES provider_profiles (practice_id, user_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX provider_licenses_lookup ON provider_licenses (practice_id, provider_id, state)`,
    );
    for (const table of ['provider_profiles', 'provider_licenses']) {
      await queryRunner.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(
        `CREATE POLICY ${table}_tenant ON ${table} USING (practice_id = ${CURRENT_TENANT_SQL}) WITH CHECK (practice_id = ${CURRENT_TENANT_SQL})`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE provider_licenses`);
    await queryRunner.query(`DROP TABLE provider_profiles`);
  }
}
