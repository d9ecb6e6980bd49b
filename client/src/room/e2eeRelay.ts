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

/** Runtime check of a relayed signal: it comes from another browser through the SFU. */
export function parseE2eeSignal(value: unknown): E2eeSignal | null {
  if (!isRecord(value)) return null;
  if (value.kind === 'hello' && typeof value.from === 'string' && typeof value.publicKey === 'string' && B64URL.test(value.publicKey)) {
    return { kind: 'hello', from: value.from, publicKey: value.publicKey, ...(value.reply === true ? { reply: true } : {}) };
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
