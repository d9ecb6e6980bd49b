/**
 * E2EE key-exchange messages travel through the SFU's socket as opaque payloads: public
 * keys and sealed media keys only, which the SFU cannot use. The relay event names and
 * payloads are defined here until the shared signaling contract carries them.
 */
import type { E2eeSignal } from '../e2ee/E2eeSession.js';

/** Client -> SFU: relay `signal` to one peer (by peer id) or to every admitted peer (null). */
export interface E2eeRelayClientEvents {
  e2eeSignal: (
    payload: { to: string | null; signal: E2eeSignal },
    ack: (result: { ok: true; data: Record<string, never> } | { ok: false; error: { code: string; message: string } }) => void,
  ) => void;
}

/** SFU -> client: a signal from another peer, stamped by the SFU with the sender's peer id. */
export interface E2eeRelayServerEvents {
  e2eeSignal: (payload: { from: string; signal: unknown }) => void;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

const B64URL = /^[A-Za-z0-9_-]{1,512}$/;

/** Runtime check of a relayed signal: it comes from another browser through the SFU. */
export function parseE2eeSignal(value: unknown): E2eeSignal | null {
  if (!isRecord(value)) return null;
  if (value.kind === 'hello' && typeof value.from === 'string' && typeof value.publicKey === 'string' && B64URL.test(value.publicKey)) {
    return { kind: 'hello', from: value.from, publicKey: value.publicKey };
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
