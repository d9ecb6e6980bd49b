import type { EntityManager } from 'typeorm';
import { loadDataKey } from '../../crypto/dataKeys.js';
import { open, seal } from '../../crypto/envelope.js';
import type { RecordBinding, SealedData } from '../../crypto/envelope.js';
import type { KeyRing } from '../../crypto/keyRing.js';
import { notFound } from '../../errors.js';

/** Encrypts a JSON value under a record's data key, bound to the record (envelope.ts AAD). */
export function sealJson(dataKey: Buffer, value: unknown, binding: RecordBinding): SealedData {
  return seal(dataKey, Buffer.from(JSON.stringify(value), 'utf8'), binding);
}

/** Row columns of one sealed value. */
export interface SealedColumns {
  iv: Buffer;
  ciphertext: Buffer;
  auth_tag: Buffer;
}

/** Unwraps the row's data key and decrypts a JSON value sealed by `sealJson`. */
export async function openJson(
  manager: EntityManager,
  keyRing: KeyRing,
  dataKeyId: string,
  columns: SealedColumns,
  binding: RecordBinding,
): Promise<unknown> {
  const key = await loadDataKey(manager, keyRing, dataKeyId);
  const plaintext = open(key, { iv: columns.iv, ciphertext: columns.ciphertext, authTag: columns.auth_tag }, binding);
  return JSON.parse(plaintext.toString('utf8')) as unknown;
}

/** The display name of a user of the current tenant ('' when unknown). */
export async function personName(manager: EntityManager, userId: string): Promise<string> {
  const rows = await manager.query<{ name: string }[]>(`SELECT given_name || ' ' || family_name AS name FROM users WHERE id = $1`, [
    userId,
  ]);
  return rows[0]?.name ?? '';
}

/** 404 `patient_not_found` unless the id is a patient of the current tenant; returns it. */
export async function locatePatientRow(manager: EntityManager, patientId: string): Promise<string> {
  const rows = await manager.query<unknown[]>(`SELECT 1 FROM users WHERE id = $1 AND role = 'patient'`, [patientId]);
  if (rows.length === 0) {
    throw notFound('patient_not_found', 'No such patient');
  }
  return patientId;
}
