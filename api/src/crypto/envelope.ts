import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AES_256_KEY_BYTES } from './keyRing.js';

/**
 * 96-bit IVs: the length NIST SP 800-38D section 8.2 recommends. They are random (8.2.2),
 * which keeps the collision risk negligible for the few thousand messages one data key
 * ever encrypts (a note's versions), far below the 2^32 limit of section 8.3.
 */
export const GCM_IV_BYTES = 12;

/** Full 128-bit authentication tag (NIST SP 800-38D section 5.2.1.2). */
export const GCM_TAG_BYTES = 16;

/** AES-256-GCM as OpenSSL names it. */
const DATA_CIPHER = 'aes-256-gcm';

/** Versioned so a future scheme can never be confused with this one. */
const AAD_SCHEME = 'medspa-envelope-v1';

/** AES-256-GCM output as stored in a row. */
export interface SealedData {
  iv: Buffer;
  ciphertext: Buffer;
  authTag: Buffer;
}

/**
 * What a ciphertext belongs to. It is the GCM additional authenticated data, so a
 * ciphertext copied to another record, version, tenant or kind of record fails to decrypt
 * instead of showing one patient's data under another's name.
 */
export interface RecordBinding {
  /** Kind of record, e.g. `clinical_note_version`. */
  purpose: string;
  practiceId: string;
  recordId: string;
  /** Version or sequence within the record; 0 for single-version records. */
  version: number;
}

function aadOf(binding: RecordBinding): Buffer {
  // A JSON array is unambiguous: no field can end where the next begins.
  return Buffer.from(
    JSON.stringify([AAD_SCHEME, binding.purpose, binding.practiceId, binding.recordId, binding.version]),
    'utf8',
  );
}

/** Thrown when a ciphertext fails authentication (wrong key, wrong binding, tampering). */
export class DecryptionFailedError extends Error {
  constructor() {
    super('ciphertext failed authentication');
    this.name = 'DecryptionFailedError';
  }
}

/** A fresh random 256-bit data key (one per record). */
export function generateDataKey(): Buffer {
  return randomBytes(AES_256_KEY_BYTES);
}

/** Encrypts with AES-256-GCM under a data key, binding the ciphertext to its record. */
export function seal(dataKey: Buffer, plaintext: Buffer, binding: RecordBinding): SealedData {
  const iv = randomBytes(GCM_IV_BYTES);
  const cipher = createCipheriv(DATA_CIPHER, dataKey, iv, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(aadOf(binding));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, authTag: cipher.getAuthTag() };
}

/** Decrypts and authenticates; throws DecryptionFailedError when anything does not match. */
export function open(dataKey: Buffer, sealed: SealedData, binding: RecordBinding): Buffer {
  if (sealed.iv.length !== GCM_IV_BYTES || sealed.authTag.length !== GCM_TAG_BYTES) {
    throw new DecryptionFailedError();
  }
  try {
    const decipher = createDecipheriv(DATA_CIPHER, dataKey, sealed.iv, { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(aadOf(binding));
    decipher.setAuthTag(sealed.authTag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch {
    throw new DecryptionFailedError();
  }
}
