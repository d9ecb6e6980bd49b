/**
 * Runtime validation of E2EE key-exchange signals relayed by the SFU (shared contract:
 * `e2eeSignal` in @medspa/shared-types signaling). They come from another browser, so every
 * field is checked before the E2EE session sees it.
 */
import type { E2eeSignal } from '../e2ee/E2eeSession.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

const B64URL = /^[A-Za-z0-9_-]{1,512}$/;
/** A JWS in compact serialization (RFC 7515 §7.1); a participant certificate is ~700 characters. */
const COMPACT_JWS = /^[A-Za-z0-9_-]{1,600}\.[A-Za-z0-9_-]{1,1200}\.[A-Za-z0-9_-]{1,200}$/;

/** Runtime check of a relayed signal: it comes from another browser through the SFU. */
export function parseE2eeSignal(value: unknown): E2eeSignal | null {
  if (!isRecord(value)) return null;
  if (value.kind === 'commit' && typeof value.commitment === 'string' && B64URL.test(value.commitment)) {
    return { kind: 'commit', commitment: value.commitment, ...(value.reply === true ? { reply: true } : {}) };
  }
  if (
    value.kind === 'reveal' &&
    typeof value.publicKey === 'string' &&
    B64URL.test(value.publicKey) &&
    typeof value.nonce === 'string' &&
    B64URL.test(value.nonce) &&
    typeof value.certificate === 'string' &&
    COMPACT_JWS.test(value.certificate)
  ) {
    return { kind: 'reveal', publicKey: value.publicKey, nonce: value.nonce, certificate: value.certificate };
  }
  if (value.kind === 'senderKey' && isRecord(value.wrapped)) {
    const { from, to, keyIndex, iv, ciphertext } = value.wrapped;
    if (
      typeof from === 'string' &&
      typeof to === 'string' &&
      typeof keyIndex === 'number' &&
      Number.isInteger(keyIndex) &&
      keyIndex >= 0 &&
      keyIndex <= 255 &&
      typeof iv === 'string' &&
      B64URL.test(iv) &&
      typeof ciphertext === 'string' &&
      B64URL.test(ciphertext)
    ) {
      return { kind: 'senderKey', wrapped: { from, to, keyIndex, iv, ciphertext } };
    }
  }
  return null;
}
