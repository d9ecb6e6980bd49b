/**
 * Message contract between the page and the dedicated E2EE worker (house rule 8, docs/house-rules.md).
 * Every message is a `kind` union; the worker validates what it receives at runtime too,
 * because a worker's message port is an input boundary.
 */

/** Which way a transform runs: our own outgoing frames, or one remote participant's. */
export type TransformTarget =
  | { operation: 'encrypt'; mediaKind: MediaKind }
  | { operation: 'decrypt'; mediaKind: MediaKind; participantId: string };

export type MediaKind = 'audio' | 'video';

/** Page -> worker. Key material is raw AES-256 key bytes; it never leaves the browser unwrapped. */
export type PageToWorkerMessage =
  | { kind: 'setLocalKey'; keyIndex: number; material: ArrayBuffer }
  | { kind: 'setRemoteKey'; participantId: string; keyIndex: number; material: ArrayBuffer }
  | { kind: 'forgetParticipant'; participantId: string }
  /** Fallback path (createEncodedStreams): the page transfers the encoded streams. */
  | { kind: 'attachStreams'; target: TransformTarget; readable: ReadableStream; writable: WritableStream };

/** Health of decryption for one remote participant, as the indicator shows it. */
export type DecryptState = 'ok' | 'failing';

/** Worker -> page. Never carries key material or frame payloads. */
export type WorkerToPageMessage =
  | { kind: 'decryptState'; participantId: string; state: DecryptState }
  /** `replayedFrames` counts frames the replay window refused (they are in `droppedFrames` too). */
  | {
      kind: 'stats';
      encryptedFrames: number;
      decryptedFrames: number;
      droppedFrames: number;
      replayedFrames: number;
      /** Cumulative wall time inside encrypt and decrypt (WebCrypto included), microseconds. */
      encryptMicros: number;
      decryptMicros: number;
    }
  | { kind: 'error'; reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isKeyIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 255;
}

function isMediaKind(value: unknown): value is MediaKind {
  return value === 'audio' || value === 'video';
}

/** Runtime check of the target passed either in a message or as RTCRtpScriptTransform options. */
export function parseTransformTarget(value: unknown): TransformTarget | null {
  if (!isRecord(value) || !isMediaKind(value.mediaKind)) return null;
  if (value.operation === 'encrypt') return { operation: 'encrypt', mediaKind: value.mediaKind };
  if (value.operation === 'decrypt' && typeof value.participantId === 'string' && value.participantId.length > 0) {
    return { operation: 'decrypt', mediaKind: value.mediaKind, participantId: value.participantId };
  }
  return null;
}

/** Runtime validation of a page -> worker message; null when it does not fit the contract. */
export function parsePageToWorkerMessage(value: unknown): PageToWorkerMessage | null {
  if (!isRecord(value)) return null;
  switch (value.kind) {
    case 'setLocalKey':
      return isKeyIndex(value.keyIndex) && value.material instanceof ArrayBuffer
        ? { kind: 'setLocalKey', keyIndex: value.keyIndex, material: value.material }
        : null;
    case 'setRemoteKey':
      return typeof value.participantId === 'string' && isKeyIndex(value.keyIndex) && value.material instanceof ArrayBuffer
        ? { kind: 'setRemoteKey', participantId: value.participantId, keyIndex: value.keyIndex, material: value.material }
        : null;
    case 'forgetParticipant':
      return typeof value.participantId === 'string' ? { kind: 'forgetParticipant', participantId: value.participantId } : null;
    case 'attachStreams': {
      const target = parseTransformTarget(value.target);
      return target !== null && value.readable instanceof ReadableStream && value.writable instanceof WritableStream
        ? { kind: 'attachStreams', target, readable: value.readable, writable: value.writable }
        : null;
    }
    default:
      return null;
  }
}
