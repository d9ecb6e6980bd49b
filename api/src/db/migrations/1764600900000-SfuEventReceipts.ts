import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_DB_ROLE, CURRENT_TENANT_SQL } from '../appRole.js';

/**
 * Idempotency keys of room events the SFU delivered (sfu/src/api/AuditOutbox.ts): the SFU
 * retries an event until the API acknowledges it, so a retry after a lost acknowledgement
 * must find its key here and write no second audit event.
 */
export class SfuEventReceipts1764600900000 implements MigrationInterface {
  name = 'SfuEventReceipts1764600900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sfu_event_receipts (
        event_id uuid PRIMARY KEY,
        practice_id uuid NOT NULL REFERENCES practices(id),
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`ALTER TABLE sfu_event_receipts ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE sfu_event_receipts FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY sfu_event_receipts_tenant ON sfu_event_receipts USING (practice_id = ${CURRENT_TENANT_SQL}) WITH CHECK (practice_id = ${CURRENT_TENANT_SQL})`,
    );
    await queryRunner.query(`GRANT SELECT, INSERT ON sfu_event_receipts TO ${APP_DB_ROLE}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE sfu_event_receipts`);
  }
}
