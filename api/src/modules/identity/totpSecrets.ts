import type { EntityManager } from 'typeorm';
import { createDataKey, loadDataKey } from '../../crypto/dataKeys.js';
import { open, seal } from '../../crypto/envelope.js';
import type { RecordBinding, SealedData } from '../../crypto/envelope.js';
import type { KeyRing } from '../../crypto/keyRing.js';

/** The sealed-secret columns of a users row. */
export interface SealedTotpColumns {
  totp_data_key_id: string | null;
  totp_secret_iv: Buffer | null;
  totp_secret_ciphertext: Buffer | null;
  totp_secret_tag: Buffer | null;
}

/** SQL select list for SealedTotpColumns. */
export const SEALED_TOTP_COLUMNS = 'totp_data_key_id, totp_secret_iv, totp_secret_ciphertext, totp_secret_tag';

/** AAD: a sealed secret only opens as the TOTP secret of this user in this practice. */
const bindingOf = (practiceId: string, userId: string): RecordBinding => ({
  purpose: 'totp_secret',
  practiceId,
  recordId: userId,
  version: 0,
});

/** AES-256-GCM of the base32 secret under `dataKey`, bound to the user (fixtures use it too). */
export function sealTotpSecret(dataKey: Buffer, practiceId: string, userId: string, secretBase32: string): SealedData {
  return seal(dataKey, Buffer.from(secretBase32, 'utf8'), bindingOf(practiceId, userId));
}

/**
 * Encrypts a user's TOTP secret under a fresh data key (envelope encryption, the same
 * KEK ring and rotation as clinical records) and stores it on the user row.
 */
export async function storeTotpSecret(
  manager: EntityManager,
  keyRing: KeyRing,
  practiceId: string,
  userId: string,
  secretBase32: string,
): Promise<void> {
  const dataKey = await createDataKey(manager, keyRing, practiceId);
  try {
    const sealed = sealTotpSecret(dataKey.key, practiceId, userId, secretBase32);
    await manager.query(
      `UPDATE users SET totp_data_key_id = $2, totp_secret_iv = $3, totp_secret_ciphertext = $4, totp_secret_tag = $5,
                        totp_last_step = NULL
        WHERE id = $1`,
      [userId, dataKey.id, sealed.iv, sealed.ciphertext, sealed.authTag],
    );
  } finally {
    dataKey.key.fill(0);
  }
}

/** Decrypts the stored secret, or returns null when the user has none. */
export async function loadTotpSecret(
  manager: EntityManager,
  keyRing: KeyRing,
  practiceId: string,
  userId: string,
  columns: SealedTotpColumns,
): Promise<string | null> {
  const { totp_data_key_id: dataKeyId, totp_secret_iv: iv, totp_secret_ciphertext: ciphertext, totp_secret_tag: authTag } =
    columns;
  if (dataKeyId === null || iv === null || ciphertext === null || authTag === null) {
    return null;
  }
  const key = await loadDataKey(manager, keyRing, dataKeyId);
  try {
    return open(key, { iv, ciphertext, authTag }, bindingOf(practiceId, userId)).toString('utf8');
  } finally {
    key.fill(0);
  }
}
