import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_DB_ROLE, CURRENT_TENANT_SQL } from '../appRole.js';

/**
 * Audit trail, part two: non-PHI metadata on events (hashed into the chain), indexes for
 * compliance search in chain order, and the signed manifests of audit exports.
 */
export class AuditTrail1763856300000 implements MigrationInterface {
  name = 'AuditTrail1763856300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // A flat object of identifiers, dates and counts (see api/src/audit/auditMetadata.ts);
    // the size cap keeps a bug from turning the audit log into a data store.
    await queryRunner.query(`
      ALTER TABLE audit_events ADD COLUMN metadata jsonb
        CHECK (metadata IS NULL OR (jsonb_typeof(metadata) = 'object' AND octet_length(metadata::text) <= 8192))`);

    // Exports write hashes unquoted and unescaped (CSV, NDJSON, FHIR): the database
    // guarantees they are lower-case hex, like the uuid, bigint and timestamptz columns.
    await queryRunner.query(`
      ALTER TABLE audit_events ADD CONSTRAINT audit_events_hashes_hex
        CHECK (hash ~ '^[0-9a-f]{64}$' AND prev_hash ~ '^[0-9a-f]{64}$')`);
    await queryRunner.query(`
      ALTER TABLE audit_chain_heads ADD CONSTRAINT audit_chain_heads_hash_hex CHECK (last_hash ~ '^[0-9a-f]{64}$')`);

    // Search pages through events newest first by seq (keyset pagination); the filtered
    // variants need seq as the trailing key to stop after one page.
    await queryRunner.query(`DROP INDEX audit_events_patient`);
    await queryRunner.query(`DROP INDEX audit_events_actor`);
    await queryRunner.query(
      `CREATE INDEX audit_events_patient_seq ON audit_events (practice_id, patient_id, seq) WHERE patient_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX audit_events_actor_seq ON audit_events (practice_id, actor_user_id, seq) WHERE actor_user_id IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX audit_events_action_seq ON audit_events (practice_id, action, seq)`);

    // One row per finished (or aborted) export, written once when its stream ends: the
    // manifest and its compact JWS. Insert-only like the events it describes.
    await queryRunner.query(`
      CREATE TABLE audit_exports (
        id uuid PRIMARY KEY,
        practice_id uuid NOT NULL REFERENCES practices(id),
        requested_by uuid NOT NULL,
        format text NOT NULL CHECK (format IN ('csv', 'ndjson', 'fhir')),
        filters jsonb NOT NULL,
        through_seq bigint NOT NULL,
        completed boolean NOT NULL,
        row_count bigint NOT NULL CHECK (row_count >= 0),
        byte_count bigint NOT NULL CHECK (byte_count >= 0),
        sha256 char(64) NOT NULL,
        first_seq bigint,
        last_seq bigint,
        started_at timestamptz NOT NULL,
        generated_at timestamptz NOT NULL,
        manifest jsonb NOT NULL,
        jws text NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX audit_exports_practice_time ON audit_exports (practice_id, generated_at)`);
    await queryRunner.query(`ALTER TABLE audit_exports ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE audit_exports FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY audit_exports_tenant ON audit_exports USING (practice_id = ${CURRENT_TENANT_SQL}) WITH CHECK (practice_id = ${CURRENT_TENANT_SQL})`,
    );
    await queryRunner.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_exports FROM ${APP_DB_ROLE}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_exports`);
    await queryRunner.query(`DROP INDEX audit_events_action_seq`);
    await queryRunner.query(`DROP INDEX audit_events_actor_seq`);
    await queryRunner.query(`DROP INDEX audit_events_patient_seq`);
    await queryRunner.query(`CREATE INDEX audit_events_patient ON audit_events (practice_id, patient_id, occurred_at)`);
    await queryRunner.query(`CREATE INDEX audit_events_actor ON audit_events (practice_id, actor_user_id, occurred_at)`);
    await queryRunner.query(`ALTER TABLE audit_chain_heads DROP CONSTRAINT audit_chain_heads_hash_hex`);
    await queryRunner.query(`ALTER TABLE audit_events DROP CONSTRAINT audit_events_hashes_hex`);
    await queryRunner.query(`ALTER TABLE audit_events DROP COLUMN metadata`);
  }
}
