/**
 * Pairwise key agreement between room participants and wrapping of media sender keys.
 *
 * Each participant has an ECDH P-256 key pair (NIST SP 800-56A rev. 3, via WebCrypto); the
 * private key is created non-extractable and never leaves this browser. For every pair of
 * participants the ECDH shared secret goes through HKDF-SHA-256 (RFC 5869) to an AES-256-GCM
 * key-wrapping key. Each participant's random media key ("sender key") is sent to every
 * other participant sealed with that pairwise key, so the SFU relays only ciphertext.
 */

/** ECDH curve: P-256 (FIPS 186-5 / SEC 2), the curve every WebCrypto implementation has. */
const ECDH_PARAMS: EcKeyGenParams = { name: 'ECDH', namedCurve: 'P-256' };
/** Uncompressed P-256 point: 0x04 || X (32) || Y (32) (SEC 1 §2.3.3). */
export const PUBLIC_KEY_BYTES = 65;
/** HKDF "info" binds derived keys to this protocol and purpose (RFC 5869 §3.2). */
const WRAP_KEY_INFO = new TextEncoder().encode('medspa-e2ee v1 sender-key wrap');
/** Random 96-bit IV per wrapped key (NIST SP 800-38D §8.2.2); only a handful of messages per pairwise key. */
const WRAP_IV_BYTES = 12;

/** Our key-agreement identity for one room session. */
export interface E2eeIdentity {
  privateKey: CryptoKey;
  /** Raw uncompressed public point, shared with the other participants. */
  publicKey: Uint8Array<ArrayBuffer>;
}

/** A media key sealed for one recipient. Binary fields are base64url (RFC 4648 §5). */
export interface WrappedSenderKey {
  from: string;
  to: string;
  keyIndex: number;
  iv: string;
  ciphertext: string;
}

/** Base64url without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** Inverse of toBase64Url; throws on characters outside the alphabet. */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not base64url');
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Creates a fresh identity; the private key is non-extractable. */
export async function createIdentity(): Promise<E2eeIdentity> {
  const pair = await crypto.subtle.generateKey(ECDH_PARAMS, false, ['deriveBits']);
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey };
}

/** Byte-wise comparison so both sides order the two public keys the same way. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < length; i += 1) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return a.byteLength - b.byteLength;
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/**
 * Derives the pairwise wrapping key with `peerPublicKey`. Both sides get the same key: ECDH
 * is symmetric and the HKDF salt is the hash of both public keys in sorted order.
 */
export async function derivePairwiseKey(identity: E2eeIdentity, peerPublicKey: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  if (peerPublicKey.byteLength !== PUBLIC_KEY_BYTES || peerPublicKey[0] !== 0x04) {
    throw new Error('peer public key is not an uncompressed P-256 point');
  }
  // importKey validates that the point is on the curve (WebCrypto ECDH import).
  const peer = await crypto.subtle.importKey('raw', peerPublicKey, ECDH_PARAMS, false, []);
  const shared = await crypto.subtle.deriveBits({ name: 'ECDH', public: peer }, identity.privateKey, 256);
  const sorted = [identity.publicKey, peerPublicKey].sort(compareBytes);
  const salt = await crypto.subtle.digest('SHA-256', concat(sorted));
  const ikm = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt, info: WRAP_KEY_INFO },
    ikm,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

function wrapAad(from: string, to: string, keyIndex: number): Uint8Array<ArrayBuffer> {
  // Binds the sealed key to sender, recipient and index: a relay cannot re-address it.
  return new TextEncoder().encode(`${from}\n${to}\n${keyIndex}`);
}

/** Seals our media key for one recipient. */
export async function wrapSenderKey(
  pairwiseKey: CryptoKey,
  material: ArrayBuffer,
  from: string,
  to: string,
  keyIndex: number,
): Promise<WrappedSenderKey> {
  const iv = crypto.getRandomValues(new Uint8Array(WRAP_IV_BYTES));
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: wrapAad(from, to, keyIndex) },
    pairwiseKey,
    material,
  );
  return { from, to, keyIndex, iv: toBase64Url(iv), ciphertext: toBase64Url(new Uint8Array(ciphertext)) };
}

/** Opens a media key sealed for us; throws when it was not sealed with our pairwise key. */
export async function unwrapSenderKey(pairwiseKey: CryptoKey, wrapped: WrappedSenderKey): Promise<ArrayBuffer> {
  return crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64Url(wrapped.iv), additionalData: wrapAad(wrapped.from, wrapped.to, wrapped.keyIndex) },
    pairwiseKey,
    fromBase64Url(wrapped.ciphertext),
  );
}

/** A fresh random AES-256 media key (FIPS 197 key length). */
export function newSenderKeyMaterial(): ArrayBuffer {
  return crypto.getRandomValues(new Uint8Array(32)).buffer;
}
