import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { Config } from '../config.js';

/** AES-256 (FIPS 197) key length in bytes, for key-encryption and data keys alike. */
export const AES_256_KEY_BYTES = 32;

/**
 * RFC 3394 section 2.2.3.1 default initial value. AES Key Wrap checks it on unwrap, which
 * gives the wrapped data key its own integrity check: a wrong or corrupted KEK fails loudly
 * instead of yielding a garbage data key.
 */
const RFC3394_DEFAULT_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');

/** OpenSSL's name for AES Key Wrap (RFC 3394) with a 256-bit KEK. */
const KEY_WRAP_CIPHER = 'id-aes256-wrap';

/** A data key wrapped by one key-encryption key, as stored beside the data it protects. */
export interface WrappedKey {
  kekId: string;
  /** RFC 3394 output: the 32-byte key plus an 8-byte integrity block. */
  wrapped: Buffer;
}

/** Thrown when a wrapped key names a KEK the ring does not hold or fails to unwrap. */
export class KeyUnavailableError extends Error {
  constructor(readonly kekId: string, reason: string) {
    super(`data key under KEK "${kekId}" cannot be unwrapped: ${reason}`);
    this.name = 'KeyUnavailableError';
  }
}

/**
 * The key-encryption keys (KEKs) the process holds, by key id, and which one wraps new
 * data keys. KEKs never touch record data: they only wrap and unwrap per-record data keys
 * (envelope encryption), so rotating a KEK re-wraps 40-byte keys and leaves every
 * ciphertext as it is.
 */
export class KeyRing {
  readonly #keks: ReadonlyMap<string, Buffer>;
  readonly activeKekId: string;

  constructor(keks: ReadonlyMap<string, Buffer>, activeKekId: string) {
    for (const [kid, key] of keks) {
      if (key.length !== AES_256_KEY_BYTES) {
        throw new Error(`KEK "${kid}" must be ${AES_256_KEY_BYTES} bytes`);
      }
    }
    if (!keks.has(activeKekId)) {
      throw new Error(`active KEK "${activeKekId}" is not in the key ring`);
    }
    this.#keks = keks;
    this.activeKekId = activeKekId;
  }

  /** Key ids the ring can unwrap. */
  kekIds(): string[] {
    return [...this.#keks.keys()];
  }

  /** Wraps a data key under the active KEK (RFC 3394 AES Key Wrap). */
  wrap(dataKey: Buffer): WrappedKey {
    if (dataKey.length !== AES_256_KEY_BYTES) {
      throw new Error(`data keys must be ${AES_256_KEY_BYTES} bytes`);
    }
    const kek = this.#kek(this.activeKekId);
    const cipher = createCipheriv(KEY_WRAP_CIPHER, kek, RFC3394_DEFAULT_IV);
    return { kekId: this.activeKekId, wrapped: Buffer.concat([cipher.update(dataKey), cipher.final()]) };
  }

  /** Unwraps a data key; throws KeyUnavailableError for an unknown KEK or a failed integrity check. */
  unwrap({ kekId, wrapped }: WrappedKey): Buffer {
    const kek = this.#kek(kekId);
    try {
      const decipher = createDecipheriv(KEY_WRAP_CIPHER, kek, RFC3394_DEFAULT_IV);
      const dataKey = Buffer.concat([decipher.update(wrapped), decipher.final()]);
      if (dataKey.length !== AES_256_KEY_BYTES) {
        throw new Error('unexpected key length');
      }
      return dataKey;
    } catch {
      throw new KeyUnavailableError(kekId, 'integrity check failed');
    }
  }

  /** Re-wraps a data key under the active KEK; the data key itself does not change. */
  rewrap(current: WrappedKey): WrappedKey {
    const dataKey = this.unwrap(current);
    try {
      return this.wrap(dataKey);
    } finally {
      dataKey.fill(0);
    }
  }

  #kek(kekId: string): Buffer {
    const kek = this.#keks.get(kekId);
    if (kek === undefined) {
      throw new KeyUnavailableError(kekId, 'key id not configured');
    }
    return kek;
  }
}

/** Builds the ring from validated configuration (DATA_KEKS, DATA_ACTIVE_KEK_ID). */
export function keyRingFromConfig(config: Pick<Config, 'DATA_KEKS' | 'DATA_ACTIVE_KEK_ID'>): KeyRing {
  const keks = new Map<string, Buffer>();
  for (const [kid, base64] of Object.entries(config.DATA_KEKS)) {
    keks.set(kid, Buffer.from(base64, 'base64'));
  }
  return new KeyRing(keks, config.DATA_ACTIVE_KEK_ID);
}
