/**
 * AES-GCM frame encryption for E2EE media (NIST SP 800-38D), run inside the E2EE worker.
 *
 * Encrypted frame layout:
 *   clear header (0..10 bytes) || ciphertext || GCM tag (16) || IV (12) || header length (1) || key index (1)
 *
 * The clear header (see codecHeader.ts), its length and the key index are authenticated as
 * additional data, so neither the SFU nor anyone on the path can change them undetected.
 */

/** AES-GCM IV length: 96 bits, the length SP 800-38D §5.2.1.1 recommends. */
export const IV_BYTES = 12;
/** Full 128-bit authentication tag (SP 800-38D §5.2.1.2; shorter tags weaken forgery bounds). */
export const TAG_BITS = 128;
const TAG_BYTES = TAG_BITS / 8;
/** Header-length byte plus key-index byte at the very end of the frame. */
const TRAILER_META_BYTES = 2;
/** Bytes added to every encrypted frame. */
export const FRAME_OVERHEAD_BYTES = TAG_BYTES + IV_BYTES + TRAILER_META_BYTES;
/** Longest clear header any codec needs (VP8 key frame, RFC 7741 §4.3). */
const MAX_CLEAR_HEADER_BYTES = 10;
/** AES-256 key length (FIPS 197). */
export const MEDIA_KEY_BYTES = 32;

/**
 * Deterministic IV construction (SP 800-38D §8.2.1): a 32-bit fixed field chosen at random
 * each time a key is installed, followed by a 64-bit invocation counter. One key is only
 * ever used by one sender (sender keys), so (fixed field, counter) never repeats for a key
 * unless the same key is reinstalled and the 32-bit fixed field collides.
 */
export class IvSequence {
  readonly #fixed: Uint8Array;
  #counter = 0n;

  constructor(fixedField: Uint8Array = crypto.getRandomValues(new Uint8Array(4))) {
    if (fixedField.byteLength !== 4) throw new RangeError('IV fixed field must be 4 bytes');
    this.#fixed = fixedField;
  }

  next(): Uint8Array<ArrayBuffer> {
    const iv = new Uint8Array(IV_BYTES);
    iv.set(this.#fixed, 0);
    new DataView(iv.buffer).setBigUint64(4, this.#counter);
    // 2^64 frames would take millennia; wrapping would repeat IVs, so refuse instead.
    if (this.#counter === 0xffff_ffff_ffff_ffffn) throw new RangeError('IV space exhausted: rotate the key');
    this.#counter += 1n;
    return iv;
  }
}

/** Imports raw key bytes as a non-extractable AES-GCM key usable for frames. */
export async function importMediaKey(material: ArrayBuffer): Promise<CryptoKey> {
  if (material.byteLength !== MEDIA_KEY_BYTES) throw new RangeError('media key must be 32 bytes');
  return crypto.subtle.importKey('raw', material, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

function additionalData(header: Uint8Array, headerLength: number, keyIndex: number): Uint8Array<ArrayBuffer> {
  const aad = new Uint8Array(header.byteLength + TRAILER_META_BYTES);
  aad.set(header, 0);
  aad[header.byteLength] = headerLength;
  aad[header.byteLength + 1] = keyIndex;
  return aad;
}

/** Encrypts one encoded frame, leaving `headerLength` leading bytes in the clear. */
export async function encryptFrame(
  frame: Uint8Array,
  headerLength: number,
  key: CryptoKey,
  keyIndex: number,
  iv: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  if (headerLength < 0 || headerLength > MAX_CLEAR_HEADER_BYTES || headerLength > frame.byteLength) {
    throw new RangeError('bad clear header length');
  }
  const header = frame.subarray(0, headerLength);
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: additionalData(header, headerLength, keyIndex), tagLength: TAG_BITS },
      key,
      frame.slice(headerLength),
    ),
  );
  const out = new Uint8Array(headerLength + sealed.byteLength + IV_BYTES + TRAILER_META_BYTES);
  out.set(header, 0);
  out.set(sealed, headerLength);
  out.set(iv, headerLength + sealed.byteLength);
  out[out.byteLength - 2] = headerLength;
  out[out.byteLength - 1] = keyIndex;
  return out;
}

/** Where an encrypted frame says it was sealed: which key, how much clear header. */
export interface FrameTrailer {
  keyIndex: number;
  headerLength: number;
}

/** Reads the trailer; null when the frame cannot be an encrypted frame (too short, bad length). */
export function readTrailer(frame: Uint8Array): FrameTrailer | null {
  if (frame.byteLength < FRAME_OVERHEAD_BYTES) return null;
  const headerLength = frame[frame.byteLength - 2] ?? 0xff;
  const keyIndex = frame[frame.byteLength - 1] ?? 0;
  if (headerLength > MAX_CLEAR_HEADER_BYTES || headerLength + FRAME_OVERHEAD_BYTES > frame.byteLength) return null;
  return { keyIndex, headerLength };
}

/**
 * The IV of an encrypted frame split into its fixed field (4 bytes, as a number) and its
 * 64-bit invocation counter (SP 800-38D §8.2.1), for the receiver's replay window.
 */
export function frameSequence(frame: Uint8Array): { fixedField: number; counter: bigint } {
  const ivStart = frame.byteLength - TRAILER_META_BYTES - IV_BYTES;
  const view = new DataView(frame.buffer, frame.byteOffset + ivStart, IV_BYTES);
  return { fixedField: view.getUint32(0), counter: view.getBigUint64(4) };
}

/**
 * Decrypts one frame with the key its trailer names. Returns null when authentication
 * fails (wrong key, tampering, unencrypted input): the caller drops the frame, so a
 * receiver never renders garbled media.
 */
export async function decryptFrame(frame: Uint8Array, key: CryptoKey, trailer: FrameTrailer): Promise<Uint8Array | null> {
  const { headerLength, keyIndex } = trailer;
  const header = frame.subarray(0, headerLength);
  const ivStart = frame.byteLength - TRAILER_META_BYTES - IV_BYTES;
  const iv = frame.slice(ivStart, ivStart + IV_BYTES);
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv, additionalData: additionalData(header, headerLength, keyIndex), tagLength: TAG_BITS },
      key,
      frame.slice(headerLength, ivStart),
    );
    const out = new Uint8Array(headerLength + plain.byteLength);
    out.set(header, 0);
    out.set(new Uint8Array(plain), headerLength);
    return out;
  } catch {
    return null;
  }
}
