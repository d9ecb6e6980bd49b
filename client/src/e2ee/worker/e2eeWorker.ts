/**
 * Dedicated E2EE worker entry (house rule 8, docs/house-rules.md: the worker has its own entry). Encrypts
 * our outgoing encoded frames with our current sender key and decrypts each remote
 * participant's frames with the key their trailer names. Frames that fail are dropped,
 * never passed on, so nobody ever sees garbled or unencrypted media. Nothing here logs
 * frames or keys.
 */
import { clearHeaderLength } from './codecHeader.js';
import { IvSequence, decryptFrame, encryptFrame, importMediaKey, readTrailer } from './frameCrypto.js';
import { parsePageToWorkerMessage, parseTransformTarget } from './protocol.js';
import type { TransformTarget, WorkerToPageMessage } from './protocol.js';

declare const self: DedicatedWorkerGlobalScope;

/** Remote keys kept per participant: the current one plus a few older ones for frames in flight. */
const REMOTE_KEYS_KEPT = 4;
/** Consecutive undecryptable frames before the indicator turns to "failing". */
const FAILING_AFTER_DROPS = 5;
const STATS_INTERVAL_MS = 1000;

interface LocalKey {
  keyIndex: number;
  key: Promise<CryptoKey>;
  iv: IvSequence;
}

let localKey: LocalKey | null = null;
const remoteKeys = new Map<string, Map<number, Promise<CryptoKey>>>();
const consecutiveDrops = new Map<string, number>();
const reportedState = new Map<string, 'ok' | 'failing'>();
const counters = { encryptedFrames: 0, decryptedFrames: 0, droppedFrames: 0 };

function post(message: WorkerToPageMessage): void {
  self.postMessage(message);
}

type EncodedFrame = RTCEncodedVideoFrame | RTCEncodedAudioFrame;

function isKeyFrame(frame: EncodedFrame): boolean | undefined {
  return 'type' in frame ? frame.type === 'key' : undefined;
}

async function encrypt(frame: EncodedFrame, target: TransformTarget, controller: TransformStreamDefaultController<EncodedFrame>): Promise<void> {
  const data = new Uint8Array(frame.data);
  if (data.byteLength === 0) {
    controller.enqueue(frame);
    return;
  }
  const current = localKey;
  if (current === null) {
    // No key yet: sending in the clear is never an option.
    counters.droppedFrames += 1;
    return;
  }
  const headerLength = clearHeaderLength(target.mediaKind, data, isKeyFrame(frame));
  const sealed = await encryptFrame(data, headerLength, await current.key, current.keyIndex, current.iv.next());
  frame.data = sealed.buffer;
  counters.encryptedFrames += 1;
  controller.enqueue(frame);
}

function noteDecryptResult(participantId: string, ok: boolean): void {
  const drops = ok ? 0 : (consecutiveDrops.get(participantId) ?? 0) + 1;
  consecutiveDrops.set(participantId, drops);
  const state = ok ? 'ok' : drops >= FAILING_AFTER_DROPS ? 'failing' : reportedState.get(participantId);
  if (state !== undefined && state !== reportedState.get(participantId)) {
    reportedState.set(participantId, state);
    post({ kind: 'decryptState', participantId, state });
  }
}

async function decrypt(
  frame: EncodedFrame,
  participantId: string,
  controller: TransformStreamDefaultController<EncodedFrame>,
): Promise<void> {
  const data = new Uint8Array(frame.data);
  if (data.byteLength === 0) {
    controller.enqueue(frame);
    return;
  }
  const trailer = readTrailer(data);
  const key = trailer === null ? undefined : remoteKeys.get(participantId)?.get(trailer.keyIndex);
  const plain = trailer === null || key === undefined ? null : await decryptFrame(data, await key, trailer);
  if (plain === null) {
    counters.droppedFrames += 1;
    noteDecryptResult(participantId, false);
    return;
  }
  frame.data = plain.buffer as ArrayBuffer;
  counters.decryptedFrames += 1;
  noteDecryptResult(participantId, true);
  controller.enqueue(frame);
}

function attach(target: TransformTarget, readable: ReadableStream<EncodedFrame>, writable: WritableStream<EncodedFrame>): void {
  const transform = new TransformStream<EncodedFrame, EncodedFrame>({
    transform: (frame, controller) =>
      target.operation === 'encrypt' ? encrypt(frame, target, controller) : decrypt(frame, target.participantId, controller),
  });
  readable
    .pipeThrough(transform)
    .pipeTo(writable)
    .catch(() => {
      // The page closed the sender/receiver; nothing to clean up beyond the stream itself.
    });
}

function installRemoteKey(participantId: string, keyIndex: number, material: ArrayBuffer): void {
  const keys = remoteKeys.get(participantId) ?? new Map<number, Promise<CryptoKey>>();
  keys.delete(keyIndex);
  keys.set(keyIndex, importMediaKey(material));
  // Maps iterate in insertion order: the first entries are the oldest keys.
  for (const oldIndex of keys.keys()) {
    if (keys.size <= REMOTE_KEYS_KEPT) break;
    keys.delete(oldIndex);
  }
  remoteKeys.set(participantId, keys);
}

self.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parsePageToWorkerMessage(event.data);
  if (message === null) {
    post({ kind: 'error', reason: 'malformed_message' });
    return;
  }
  switch (message.kind) {
    case 'setLocalKey':
      localKey = { keyIndex: message.keyIndex, key: importMediaKey(message.material), iv: new IvSequence() };
      break;
    case 'setRemoteKey':
      installRemoteKey(message.participantId, message.keyIndex, message.material);
      break;
    case 'forgetParticipant':
      remoteKeys.delete(message.participantId);
      consecutiveDrops.delete(message.participantId);
      reportedState.delete(message.participantId);
      break;
    case 'attachStreams':
      attach(message.target, message.readable as ReadableStream<EncodedFrame>, message.writable as WritableStream<EncodedFrame>);
      break;
  }
});

// WebRTC Encoded Transform (W3C): the page created an RTCRtpScriptTransform with this worker.
self.addEventListener('rtctransform', (event: RTCTransformEvent) => {
  const { transformer } = event;
  const target = parseTransformTarget(transformer.options);
  if (target === null) {
    post({ kind: 'error', reason: 'bad_transform_options' });
    return;
  }
  attach(target, transformer.readable as ReadableStream<EncodedFrame>, transformer.writable as WritableStream<EncodedFrame>);
});

setInterval(() => {
  post({ kind: 'stats', ...counters });
}, STATS_INTERVAL_MS);
