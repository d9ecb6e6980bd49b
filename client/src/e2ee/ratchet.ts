/**
 * Forward key ratchet for media sender keys, used on the page and in the E2EE worker.
 *
 * K(n+1) = HKDF-SHA-256(IKM = K(n), salt = RATCHET_SALT, info = RATCHET_INFO, L = 32)
 * (RFC 5869 §2). HKDF is one-way, so someone given K(n+1) when they join cannot compute
 * K(n) and cannot decrypt frames recorded before they joined; those already in the room
 * step their copy forward themselves when frames start arriving under the next key index,
 * without another round of key messages (the same idea as LiveKit's ratchet on a
 * decryption failure, bounded by a small window).
 */

/** Fixed salt (RFC 5869 §3.1: a non-secret salt still strengthens the extraction). */
const RATCHET_SALT = new TextEncoder().encode('medspa-e2ee v2 ratchet salt');
/** Binds the output to this use (RFC 5869 §3.2). */
const RATCHET_INFO = new TextEncoder().encode('medspa-e2ee v2 sender-key ratchet');
/** How many steps ahead a receiver ratchets on its own before giving up on a frame. */
export const RATCHET_WINDOW = 8;
/** Key indexes are one byte in the frame trailer (frameCrypto.ts). */
export const KEY_INDEX_MODULUS = 256;

/** The next sender key after `material` (32 bytes in, 32 bytes out). */
export async function ratchetMaterial(material: ArrayBuffer): Promise<ArrayBuffer> {
  const ikm = await crypto.subtle.importKey('raw', material, 'HKDF', false, ['deriveBits']);
  return crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: RATCHET_SALT, info: RATCHET_INFO }, ikm, 256);
}

/** Steps from key index `from` forward to `to`, modulo the one-byte index space. */
export function indexDistance(from: number, to: number): number {
  return (to - from + KEY_INDEX_MODULUS) % KEY_INDEX_MODULUS;
}
