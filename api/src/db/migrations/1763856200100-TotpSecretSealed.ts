import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * TOTP shared secrets are stored encrypted (AES-256-GCM under a per-secret data key that
 * a rotatable KEK wraps; see api/src/crypto), so a database dump alone cannot mint MFA
 * codes. The data key is a data_keys row; data_keys is created by a later migration, so
 * the reference is not a foreign key here (RLS still scopes both to the practice).
 */
export class TotpSecretSealed1763856200100 implements MigrationInterface {
  name = 'TotpSecretSealed1763856200100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE users
        DROP CONSTRAINT users_totp_enabled_has_secret,
        DROP COLUMN totp_secret,
        ADD COLUMN totp_data_key_id uuid,
        ADD COLUMN totp_secret_iv bytea CHECK (octet_length(totp_secret_iv) = 12),
        ADD COLUMN totp_secret_ciphertext bytea,
        ADD COLUMN totp_secret_tag bytea CHECK (octet_length(totp_secret_tag) = 16),
        ADD CONSTRAINT users_totp_sealed_complete CHECK (
          (totp_data_key_id IS NULL AND totp_secret_iv IS NULL AND totp_secret_ciphertext IS NULL AND totp_secret_tag IS NULL)
          OR (totp_data_key_id IS NOT NULL AND totp_secret_iv IS NOT NULL AND totp_secret_ciphertext IS NOT NULL AND totp_secret_tag IS NOT NULL)),
        ADD CONSTRAINT users_totp_enabled_has_secret CHECK (totp_enabled_at IS NULL OR totp_data_key_id IS NOT NULL)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE users
        DROP CONSTRAINT users_totp_enabled_has_secret,
        DROP CONSTRAINT users_totp_sealed_complete,
        DROP COLUMN totp_data_key_id, DROP COLUMN totp_secret_iv,
        DROP COLUMN totp_secret_ciphertext, DROP COLUMN totp_secret_tag,
        ADD COLUMN totp_secret text,
        ADD CONSTRAINT users_totp_enabled_has_secret CHECK (totp_enabled_at IS NULL OR totp_secret IS NOT NULL)`);
  }
}
