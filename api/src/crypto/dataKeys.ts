import type { EntityManager } from 'typeorm';
import { generateDataKey } from './envelope.js';
import type { KeyRing } from './keyRing.js';

/** A data key ready to use, with the id of its wrapped row in data_keys. */
export interface DataKey {
  id: string;
  key: Buffer;
}

/**
 * Creates a per-record data key and stores it wrapped under the active KEK. Runs in the
 * caller's tenant transaction, so a failed write leaves no orphan key behind.
 */
export async function createDataKey(manager: EntityManager, keyRing: KeyRing, practiceId: string): Promise<DataKey> {
  const key = generateDataKey();
  const { kekId, wrapped } = keyRing.wrap(key);
  const rows = await manager.query<{ id: string }[]>(
    `INSERT INTO data_keys (practice_id, kek_id, wrapped_key) VALUES ($1, $2, $3) RETURNING id`,
    [practiceId, kekId, wrapped],
  );
  const id = rows[0]?.id;
  if (id === undefined) {
    throw new Error('data key insert returned no row');
  }
  return { id, key };
}

/** Loads and unwraps a data key of the current tenant. */
export async function loadDataKey(manager: EntityManager, keyRing: KeyRing, dataKeyId: string): Promise<Buffer> {
  const rows = await manager.query<{ kek_id: string; wrapped_key: Buffer }[]>(
    `SELECT kek_id, wrapped_key FROM data_keys WHERE id = $1`,
    [dataKeyId],
  );
  const row = rows[0];
  if (row === undefined) {
    throw new Error('data key not found');
  }
  return keyRing.unwrap({ kekId: row.kek_id, wrapped: row.wrapped_key });
}
