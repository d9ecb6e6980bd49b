import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MerkleFrontier, leafHashOfChainHash } from '../../audit/merkleTree.js';
import { TENANT_SETTING } from '../appRole.js';

/**
 * RFC 9162 Merkle tree over each practice's audit events: the chain head row also holds
 * the tree's compact frontier (roots of the perfect subtrees on its right edge, 32 bytes
 * each, largest first), updated by recordAudit in the same statement as last_hash, so an
 * append stays O(log n) and a signed tree head needs no scan (api/src/audit/merkleTree.ts).
 */
export class AuditMerkleFrontier1764600200000 implements MigrationInterface {
  name = 'AuditMerkleFrontier1764600200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE audit_chain_heads ADD COLUMN tree_frontier bytea NOT NULL DEFAULT ''::bytea
        CHECK (octet_length(tree_frontier) % 32 = 0)`);
    // Existing chains get their frontier computed from their stored chain hashes. The
    // owner is subject to FORCE ROW LEVEL SECURITY, so each practice is set as the tenant.
    const practices = (await queryRunner.query('SELECT id FROM practices')) as { id: string }[];
    for (const { id } of practices) {
      await queryRunner.query('SELECT set_config($1, $2, true)', [TENANT_SETTING, id]);
      const rows = (await queryRunner.query('SELECT hash FROM audit_events WHERE practice_id = $1 ORDER BY seq', [
        id,
      ])) as { hash: string }[];
      if (rows.length === 0) continue;
      const frontier = MerkleFrontier.empty();
      for (const row of rows) frontier.append(leafHashOfChainHash(row.hash));
      await queryRunner.query('UPDATE audit_chain_heads SET tree_frontier = $2 WHERE practice_id = $1', [
        id,
        frontier.encode(),
      ]);
    }
    await queryRunner.query(`SELECT set_config('${TENANT_SETTING}', '', true)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE audit_chain_heads DROP COLUMN tree_frontier');
  }
}
