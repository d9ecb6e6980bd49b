/**
 * Dedicated E2EE worker entry (house rule 8, docs/house-rules.md: the worker has its own entry). Encrypts
 * our outgoing encoded frames with our current sender key and decrypts each remote
 * participant's frames with the key their trailer names. Frames that fail are dropped,
 * never passed on, so nobody ever sees garbled or unencrypted media. Nothing here logs
 * frames or keys.
 */
import { clearHeaderLength } from './codecHeader.js';
import { RATCHET_WINDOW, indexDistance, ratchetMaterial } from '../ratchet.js';
import { IvSequence, decryptFrame, encryptFrame, frameSequence, importMediaKey, readTrailer } from './frameCrypto.js';
import { ReplayWindow } from './replayWindow.js';
import { parsePageToWorkerMessage, parseTransformTarget } from './protocol.js';
import type { TransformTarget, WorkerToPageMessage } from './protocol.js';

declare const self: DedicatedWorkerGlobalScope;

/** Remote keys kept per participant: the current one plus a few older ones for frames in flight. */
const REMOTE_KEYS_KEPT = 4;
/**
 * Replay windows kept per key, one per IV fixed field (a sender that reinstalls a key draws a
 * new fixed field and restarts its counter; frames of the old run must still be refused).
 */
const WINDOWS_PER_KEY = 16;
/** Consecutive undecryptable frames before the indicator turns to "failing". */
const FAILING_AFTER_DROPS = 5;
const STATS_INTERVAL_MS = 1000;

interface LocalKey {
  keyIndex: number;
  key: Promise<CryptoKey>;
  iv: IvSequence;
}

/** One remote sender key: the AES key, the raw bytes to ratchet from, and its replay windows. */
interface RemoteKey {
  key: Promise<CryptoKey>;
  material: ArrayBuffer;
  windows: Map<number, ReplayWindow>;
}

let localKey: LocalKey | null = null;
const remoteKeys = new Map<string, Map<number, RemoteKey>>();
/** Keys derived by ratcheting, not yet confirmed by a frame that decrypted with them. */
const ratchetCandidates = new Map<string, Map<number, Promise<RemoteKey | null>>>();
const consecutiveDrops = new Map<string, number>();
const reportedState = new Map<string, 'ok' | 'failing'>();
/** Frame counters, plus the time spent inside encrypt/decrypt (for bench/e2ee-frame-cost.mjs). */
const counters = { encryptedFrames: 0, decryptedFrames: 0, droppedFrames: 0, replayedFrames: 0, encryptMicros: 0, decryptMicros: 0 };

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
  const started = performance.now();
  const headerLength = clearHeaderLength(target.mediaKind, data, isKeyFrame(frame));
  const sealed = await encryptFrame(data, headerLength, await current.key, current.keyIndex, current.iv.next());
  frame.data = sealed.buffer;
  counters.encryptedFrames += 1;
  counters.encryptMicros += (performance.now() - started) * 1000;
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

function newRemoteKey(material: ArrayBuffer): RemoteKey {
  return { key: importMediaKey(material.slice(0)), material, windows: new Map() };
}

function windowFor(entry: RemoteKey, fixedField: number): ReplayWindow {
  let window = entry.windows.get(fixedField);
  if (window === undefined) {
    window = new ReplayWindow();
    entry.windows.set(fixedField, window);
    for (const oldest of entry.windows.keys()) {
      if (entry.windows.size <= WINDOWS_PER_KEY) break;
      entry.windows.delete(oldest);
    }
  }
  return window;
}

/**
 * A frame names a key index we do not hold: if it is a few steps after the newest key we
 * have from that participant, it is their ratcheted key (they ratchet when someone joins,
 * ratchet.ts). Derive it once per index and keep it only if a frame decrypts with it.
 */
function ratchetCandidate(participantId: string, keyIndex: number): Promise<RemoteKey | null> | null {
  const keys = remoteKeys.get(participantId);
  if (keys === undefined || keys.size === 0) return null;
  const newest = [...keys.keys()].at(-1);
  const base = newest === undefined ? undefined : keys.get(newest);
  if (newest === undefined || base === undefined) return null;
  const steps = indexDistance(newest, keyIndex);
  if (steps === 0 || steps > RATCHET_WINDOW) return null;
  const candidates = ratchetCandidates.get(participantId) ?? new Map<number, Promise<RemoteKey | null>>();
  ratchetCandidates.set(participantId, candidates);
  let candidate = candidates.get(keyIndex);
  if (candidate === undefined) {
    candidate = (async () => {
      let material = base.material;
      for (let step = 0; step < steps; step += 1) material = await ratchetMaterial(material);
      return newRemoteKey(material);
    })().catch(() => null);
    candidates.set(keyIndex, candidate);
  }
  return candidate;
}

function drop(participantId: string): void {
  counters.droppedFrames += 1;
  noteDecryptResult(participantId, false);
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
  const started = performance.now();
  const trailer = readTrailer(data);
  if (trailer === null) {
    drop(participantId);
    return;
  }
  let entry: RemoteKey | null = remoteKeys.get(participantId)?.get(trailer.keyIndex) ?? null;
  let ratcheted = false;
  if (entry === null) {
    entry = await ratchetCandidate(participantId, trailer.keyIndex);
    ratcheted = true;
  }
  if (entry === null) {
    drop(participantId);
    return;
  }
  const { fixedField, counter } = frameSequence(data);
  if (!windowFor(entry, fixedField).check(counter)) {
    // Already seen, or far older than anything recent: a replayed frame.
    counters.replayedFrames += 1;
    drop(participantId);
    return;
  }
  const plain = await decryptFrame(data, await entry.key, trailer);
  // Checked again after the await: the same frame may have been decrypted meanwhile.
  if (plain === null || !windowFor(entry, fixedField).accept(counter)) {
    if (plain !== null) counters.replayedFrames += 1;
    drop(participantId);
    return;
  }
  if (ratcheted && remoteKeys.get(participantId)?.get(trailer.keyIndex) === undefined) {
    // The ratcheted key works: it becomes this participant's newest key.
    installRemoteEntry(participantId, trailer.keyIndex, entry);
  }
  frame.data = plain.buffer as ArrayBuffer;
  counters.decryptedFrames += 1;
  counters.decryptMicros += (performance.now() - started) * 1000;
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

function installRemoteEntry(participantId: string, keyIndex: number, entry: RemoteKey): void {
  const keys = remoteKeys.get(participantId) ?? new Map<number, RemoteKey>();
  keys.delete(keyIndex);
  keys.set(keyIndex, entry);
  // Maps iterate in insertion order: the first entries are the oldest keys.
  for (const oldIndex of keys.keys()) {
    if (keys.size <= REMOTE_KEYS_KEPT) break;
    keys.delete(oldIndex);
  }
  remoteKeys.set(participantId, keys);
  // Candidates were derived from an older newest key; derive again from this one if needed.
  ratchetCandidates.delete(participantId);
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
      installRemoteEntry(message.participantId, message.keyIndex, newRemoteKey(message.material));
      break;
    case 'forgetParticipant':
      remoteKeys.delete(message.participantId);
      ratchetCandidates.delete(message.participantId);
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
