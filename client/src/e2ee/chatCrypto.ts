/**
 * End-to-end encryption of in-call chat with the room's keys.
 *
 * Every participant already holds every other participant's current media sender key (sealed
 * to them pairwise, see keyAgreement.ts). A chat key is derived from the sender's key with
 * HKDF-SHA-256 (RFC 5869) under its own "info" label, so it is cryptographically independent
 * of the frame key (which uses the material directly) and a chat ciphertext can never be
 * replayed as a media frame or the other way round. Messages are sealed with AES-256-GCM
 * (NIST SP 800-38D) under a fresh random 96-bit IV each, with the sender's participant id and
 * key index as additional authenticated data: the SFU, which stamps the sender, cannot
 * re-attribute a message to someone else.
 */
import { fromBase64Url, toBase64Url } from './keyAgreement.js';

/** HKDF "info" for chat keys (RFC 5869 §3.2): distinct from every other label of this protocol. */
const CHAT_KEY_INFO = 'medspa-e2ee v1 in-call chat';
/**
 * HKDF salt (RFC 5869 §3.1): a fixed, non-secret value. The input key material is already
 * 256 uniformly random bits, so a fixed salt loses nothing.
 */
const CHAT_KEY_SALT = new TextEncoder().encode('medspa-e2ee v1 chat salt');
/** 96-bit random IV per message (NIST SP 800-38D §8.2.2); a chat stays far below 2^32 messages per key. */
const CHAT_IV_BYTES = 12;
/** Longest chat message in characters (the SFU limits the ciphertext size too). */
export const CHAT_MAX_CHARS = 4000;

/** A sealed chat message as it travels through the SFU (matches sealedChatSchema in shared-types). */
export interface SealedChatMessage {
  keyIndex: number;
  iv: string;
  ciphertext: string;
}

function chatAad(senderId: string, keyIndex: number): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`chat\n${senderId}\n${keyIndex}`);
}

/**
 * The chat key of `senderId`'s media key number `keyIndex`. Sender and receivers derive the
 * same key from the same material; the sender id and index are part of the HKDF info, so two
 * participants' chat keys differ even in the (negligible) case of equal material.
 */
export async function deriveChatKey(material: ArrayBuffer, senderId: string, keyIndex: number): Promise<CryptoKey> {
  const ikm = await crypto.subtle.importKey('raw', material, 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: CHAT_KEY_SALT, info: new TextEncoder().encode(`${CHAT_KEY_INFO}\n${senderId}\n${keyIndex}`) },
    ikm,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** Seals one message from `senderId` under its chat key. */
export async function sealChat(key: CryptoKey, senderId: string, keyIndex: number, text: string): Promise<SealedChatMessage> {
  if (text.length === 0 || text.length > CHAT_MAX_CHARS) throw new Error('chat message length out of range');
  const iv = crypto.getRandomValues(new Uint8Array(CHAT_IV_BYTES));
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: chatAad(senderId, keyIndex) },
    key,
    new TextEncoder().encode(text),
  );
  return { keyIndex, iv: toBase64Url(iv), ciphertext: toBase64Url(new Uint8Array(ciphertext)) };
}

/** Opens a message claimed to come from `senderId`; throws if it was not sealed by them with this key. */
export async function openChat(key: CryptoKey, senderId: string, sealed: SealedChatMessage): Promise<string> {
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64Url(sealed.iv), additionalData: chatAad(senderId, sealed.keyIndex) },
    key,
    fromBase64Url(sealed.ciphertext),
  );
  return new TextDecoder('utf-8', { fatal: true }).decode(plain);
}
