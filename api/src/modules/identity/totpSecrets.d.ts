import type { EntityManager } from 'typeorm';
import type { SealedData } from '../../crypto/envelope.js';
import type { KeyRing } from '../../crypto/keyRing.js';
/** The sealed-secret columns of a users row. */
export interface SealedTotpColumns {
    totp_data_key_id: string | null;
    totp_secret_iv: Buffer | null;
    totp_secret_ciphertext: Buffer | null;
    totp_secret_tag: Buffer | null;
}
/** SQL select list for SealedTotpColumns. */
export declare const SEALED_TOTP_COLUMNS = "totp_data_key_id, totp_secret_iv, totp_secret_ciphertext, totp_secret_tag";
/** AES-256-GCM of the base32 secret under `dataKey`, bound to the user (fixtures use it too). */
export declare function sealTotpSecret(dataKey: Buffer, practiceId: string, userId: string, secretBase32: string): SealedData;
/**
 * Encrypts a user's TOTP secret under a fresh data key (envelope encryption, the same
 * KEK ring and rotation as clinical records) and stores it on the user row.
 */
export declare function storeTotpSecret(manager: EntityManager, keyRing: KeyRing, practiceId: string, userId: string, secretBase32: string): Promise<void>;
/** Decrypts the stored secret, or returns null when the user has none. */
export declare function loadTotpSecret(manager: EntityManager, keyRing: KeyRing, practiceId: string, userId: string, columns: SealedTotpColumns): Promise<string | null>;
