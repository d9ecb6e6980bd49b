import type { DataSource } from 'typeorm';
import { recordAudit } from '../audit/auditWriter.js';
import { withTenant } from '../db/tenantTransaction.js';
import type { RequestContext } from '../http/requestContext.js';
import type { KeyRing } from './keyRing.js';

/** Keys re-wrapped per transaction: short transactions keep row locks brief. */
const DEFAULT_BATCH_SIZE = 500;

export interface RotationReport {
  practices: number;
  rewrapped: number;
  /** Data keys still wrapped by another KEK afterwards (0 unless writers raced with an old config). */
  remaining: number;
}

export interface RotationOptions {
  batchSize?: number;
  context: RequestContext;
}

/**
 * Re-wraps every data key not yet under the active KEK, practice by practice (each in its
 * own tenant transactions, so row-level security holds for the rotation too). Only the
 * 40-byte wrapped keys change: note, photo and questionnaire ciphertexts are untouched,
 * and once this reports `remaining: 0` the old KEK can be removed from DATA_KEKS.
 * Each batch is audited (`data_key.rewrap`) in its own transaction.
 */
export async function rewrapDataKeys(
  dataSource: DataSource,
  keyRing: KeyRing,
  { batchSize = DEFAULT_BATCH_SIZE, context }: RotationOptions,
): Promise<RotationReport> {
  const practices = await dataSource.query<{ id: string }[]>(`SELECT id FROM practices ORDER BY id`);
  let rewrapped = 0;
  let remaining = 0;
  for (const { id: practiceId } of practices) {
    for (;;) {
      const count = await withTenant(dataSource, practiceId, async (manager) => {
        // SKIP LOCKED: a concurrent rotation run works on other rows instead of waiting.
        const rows = await manager.query<{ id: string; kek_id: string; wrapped_key: Buffer }[]>(
          `SELECT id, kek_id, wrapped_key FROM data_keys WHERE kek_id <> $1
           ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [keyRing.activeKekId, batchSize],
        );
        if (rows.length > 0) {
          const rewrapped = rows.map((row) => keyRing.rewrap({ kekId: row.kek_id, wrapped: row.wrapped_key }).wrapped);
          // One statement per batch: the locked rows get their new wrapping together.
          await manager.query(
            `UPDATE data_keys d SET kek_id = $1, wrapped_key = n.wrapped_key, rewrapped_at = now()
             FROM unnest($2::uuid[], $3::bytea[]) AS n(id, wrapped_key) WHERE d.id = n.id`,
            [keyRing.activeKekId, rows.map((row) => row.id), rewrapped],
          );
          await recordAudit(manager, practiceId, context, {
            action: 'data_key.rewrap',
            entityType: 'kek',
            entityId: keyRing.activeKekId,
          });
        }
        return rows.length;
      });
      rewrapped += count;
      if (count < batchSize) {
        break;
      }
    }
    remaining += await withTenant(dataSource, practiceId, async (manager) => {
      const rows = await manager.query<{ count: string }[]>(
        `SELECT count(*) AS count FROM data_keys WHERE kek_id <> $1`,
        [keyRing.activeKekId],
      );
      return Number(rows[0]?.count ?? 0);
    });
  }
  return { practices: practices.length, rewrapped, remaining };
}
