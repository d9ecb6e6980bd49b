/**
 * Page-side E2EE controller for one room: owns our ECDH identity, our current media sender
 * key, the pairwise keys with each participant and the dedicated worker that does the frame
 * crypto. Signaling is injected (`send`), so the same class runs over the SFU's socket or,
 * in tests, over a loopback.
 */
import {
  createIdentity,
  derivePairwiseKey,
  fromBase64Url,
  newSenderKeyMaterial,
  toBase64Url,
  unwrapSenderKey,
  wrapSenderKey,
} from './keyAgreement.js';
import type { E2eeIdentity, WrappedSenderKey } from './keyAgreement.js';
import { shortAuthenticationString } from './sas.js';
import type { SasSymbol } from './sas.js';
import type { DecryptState, MediaKind, PageToWorkerMessage, TransformTarget, WorkerToPageMessage } from './worker/protocol.js';

/** E2EE messages participants exchange through the signaling relay (opaque to the SFU). */
export type E2eeSignal =
  /** `reply` marks an answer to someone's hello, which is never answered again (no ping-pong). */
  | { kind: 'hello'; from: string; publicKey: string; reply?: boolean }
  | { kind: 'senderKey'; wrapped: WrappedSenderKey };

/** What the E2EE indicator shows. */
export type E2eeStatus = 'starting' | 'waiting_for_peer' | 'active' | 'failing' | 'unsupported';

export interface E2eeState {
  status: E2eeStatus;
  /** Short authentication string over every participant's public key; null until a peer is known. */
  sas: SasSymbol[] | null;
  /** Index of the media key we currently send with (changes on rotation). */
  keyIndex: number;
  /** Frame counters from the worker. */
  stats: { encryptedFrames: number; decryptedFrames: number; droppedFrames: number };
}

/**
 * Delay between handing a rotated key to the others and sending with it, so their worker
 * has the key before the first frame sealed with it arrives (frames in between would be
 * dropped, not shown garbled, but there is no reason to drop them).
 */
const ROTATION_SWITCH_DELAY_MS = 500;

interface Peer {
  publicKey: Uint8Array<ArrayBuffer>;
  pairwiseKey: Promise<CryptoKey>;
  decryptState: DecryptState | null;
}

/** Encoded transforms this browser supports, best first; null means no E2EE possible. */
export type TransformApi = 'script-transform' | 'encoded-streams';

interface EncodedStreamsSender {
  createEncodedStreams: () => { readable: ReadableStream; writable: WritableStream };
}

/** Detects RTCRtpScriptTransform (W3C WebRTC Encoded Transform), else Chrome's createEncodedStreams. */
export function detectTransformApi(): TransformApi | null {
  if (typeof RTCRtpScriptTransform !== 'undefined') return 'script-transform';
  if (typeof RTCRtpSender !== 'undefined' && 'createEncodedStreams' in RTCRtpSender.prototype) return 'encoded-streams';
  return null;
}

export interface E2eeSessionOptions {
  selfId: string;
  /** Sends a signal to one participant, or to everyone in the room when `to` is null. */
  send: (to: string | null, signal: E2eeSignal) => void;
  /** Creates the worker; injectable for tests. */
  createWorker?: () => Worker;
  transformApi?: TransformApi | null;
  /**
   * Told (with a copy) of every media key installed: ours (`selfId`) when we start sending
   * with it, others' when they arrive. In-call chat derives its keys from them (chatCrypto.ts).
   */
  onKeyMaterial?: (participantId: string, keyIndex: number, material: ArrayBuffer) => void;
}

function defaultWorker(): Worker {
  return new Worker(new URL('./worker/e2eeWorker.ts', import.meta.url), { type: 'module', name: 'e2ee' });
}

/** One participant's E2EE state machine for one room session. */
export class E2eeSession {
  readonly #selfId: string;
  readonly #send: E2eeSessionOptions['send'];
  readonly #onKeyMaterial: E2eeSessionOptions['onKeyMaterial'];
  readonly #transformApi: TransformApi | null;
  readonly #worker: Worker | null;
  readonly #peers = new Map<string, Peer>();
  readonly #listeners = new Set<(state: E2eeState) => void>();
  #identity: Promise<E2eeIdentity> | null = null;
  #material: ArrayBuffer = newSenderKeyMaterial();
  #state: E2eeState;
  #closed = false;
  #rotationTimer: ReturnType<typeof setTimeout> | null = null;
  #inbox: Promise<void> = Promise.resolve();
  /** Participants whose current media key we hold, and who waits for one. */
  readonly #haveKey = new Set<string>();
  readonly #keyWaiters = new Map<string, (() => void)[]>();

  constructor(options: E2eeSessionOptions) {
    this.#selfId = options.selfId;
    this.#send = options.send;
    this.#onKeyMaterial = options.onKeyMaterial;
    this.#transformApi = options.transformApi === undefined ? detectTransformApi() : options.transformApi;
    this.#state = {
      status: this.#transformApi === null ? 'unsupported' : 'starting',
      sas: null,
      keyIndex: 0,
      stats: { encryptedFrames: 0, decryptedFrames: 0, droppedFrames: 0 },
    };
    this.#worker = this.#transformApi === null ? null : (options.createWorker ?? defaultWorker)();
    this.#worker?.addEventListener('message', (event: MessageEvent<WorkerToPageMessage>) => {
      this.#onWorkerMessage(event.data);
    });
  }

  get state(): E2eeState {
    return this.#state;
  }

  /** RTCPeerConnection settings the transports need for the chosen transform API. */
  get peerConnectionSettings(): Record<string, unknown> {
    // Chrome only allows createEncodedStreams on connections created with this flag.
    return this.#transformApi === 'encoded-streams' ? { encodedInsertableStreams: true } : {};
  }

  /** Calls `listener` on every state change; returns the unsubscribe function. */
  subscribe(listener: (state: E2eeState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Creates our identity, installs our first media key and announces our public key. */
  async start(): Promise<void> {
    if (this.#transformApi === null) return;
    this.#identity ??= createIdentity();
    const identity = await this.#identity;
    this.#post({ kind: 'setLocalKey', keyIndex: this.#state.keyIndex, material: this.#material.slice(0) });
    this.#onKeyMaterial?.(this.#selfId, this.#state.keyIndex, this.#material.slice(0));
    this.#update({ status: this.#peers.size === 0 ? 'waiting_for_peer' : this.#state.status });
    this.#send(null, { kind: 'hello', from: this.#selfId, publicKey: toBase64Url(identity.publicKey) });
  }

  /**
   * Starts over after we (re)joined the room: the others forgot our keys when we dropped,
   * so forget theirs, take a new media key and announce ourselves again.
   */
  async restart(): Promise<void> {
    for (const peerId of this.#peers.keys()) this.#post({ kind: 'forgetParticipant', participantId: peerId });
    this.#peers.clear();
    this.#haveKey.clear();
    if (this.#identity !== null) await this.rotate();
    this.#update({ sas: null });
    await this.start();
  }

  /**
   * Feeds a signal received from the relay. Malformed or misaddressed signals are ignored.
   * Signals are handled one at a time in arrival order: a peer's sealed key must not be
   * looked at before its hello (which derives the key that opens it) has been processed.
   */
  receive(from: string, signal: E2eeSignal): Promise<void> {
    const handled = this.#inbox.then(() => this.#handle(from, signal));
    this.#inbox = handled.catch(() => undefined);
    return handled;
  }

  async #handle(from: string, signal: E2eeSignal): Promise<void> {
    if (this.#closed || this.#identity === null || from === this.#selfId) return;
    switch (signal.kind) {
      case 'hello':
        if (signal.from !== from) return;
        await this.#onHello(from, fromBase64Url(signal.publicKey), signal.reply === true);
        break;
      case 'senderKey': {
        const { wrapped } = signal;
        if (wrapped.from !== from || wrapped.to !== this.#selfId) return;
        const peer = this.#peers.get(from);
        if (peer === undefined) return;
        try {
          const material = await unwrapSenderKey(await peer.pairwiseKey, wrapped);
          this.#onKeyMaterial?.(from, wrapped.keyIndex, material.slice(0));
          this.#post({ kind: 'setRemoteKey', participantId: from, keyIndex: wrapped.keyIndex, material });
          this.#haveKey.add(from);
          for (const resolve of this.#keyWaiters.get(from) ?? []) resolve();
          this.#keyWaiters.delete(from);
          this.#update({ status: 'active' });
        } catch {
          // Not sealed with our pairwise key: a substituted key; keep the old one.
          this.#update({ status: 'failing' });
        }
        break;
      }
    }
  }

  async #onHello(from: string, publicKey: Uint8Array<ArrayBuffer>, isReply: boolean): Promise<void> {
    const identity = await (this.#identity ?? createIdentity());
    const known = this.#peers.get(from);
    const sameKey = known !== undefined && toBase64Url(known.publicKey) === toBase64Url(publicKey);
    if (!sameKey) {
      this.#peers.set(from, { publicKey, pairwiseKey: derivePairwiseKey(identity, publicKey), decryptState: null });
    }
    // A fresh hello means they (re)started and hold nothing of ours: answer directly, even if
    // we still knew them (a rejoin can overtake the news that their old seat left).
    if (!isReply) this.#send(from, { kind: 'hello', from: this.#selfId, publicKey: toBase64Url(identity.publicKey), reply: true });
    if (!sameKey || !isReply) await this.#sendKeyTo(from, this.#state.keyIndex, this.#material);
    if (!sameKey) await this.#refreshSas();
  }


  async #sendKeyTo(peerId: string, keyIndex: number, material: ArrayBuffer): Promise<void> {
    const peer = this.#peers.get(peerId);
    if (peer === undefined) return;
    const wrapped = await wrapSenderKey(await peer.pairwiseKey, material, this.#selfId, peerId, keyIndex);
    this.#send(peerId, { kind: 'senderKey', wrapped });
  }

  async #refreshSas(): Promise<void> {
    const identity = await this.#identity;
    if (identity === null) return;
    const keys = [identity.publicKey, ...[...this.#peers.values()].map((peer) => peer.publicKey)];
    const sas = this.#peers.size === 0 ? null : await shortAuthenticationString(keys);
    this.#update({ sas });
  }

  /**
   * A participant left: forget their keys and rotate our media key, so they cannot decrypt
   * anything we send from now on even if they kept a copy of the old one.
   */
  async participantLeft(peerId: string): Promise<void> {
    this.#haveKey.delete(peerId);
    if (!this.#peers.delete(peerId)) return;
    this.#post({ kind: 'forgetParticipant', participantId: peerId });
    await this.rotate();
    await this.#refreshSas();
    if (this.#peers.size === 0) this.#update({ status: 'waiting_for_peer' });
  }

  /** Generates a new media key, hands it to everyone still here, then starts sending with it. */
  async rotate(): Promise<void> {
    const keyIndex = (this.#state.keyIndex + 1) % 256;
    const material = newSenderKeyMaterial();
    await Promise.all([...this.#peers.keys()].map((peerId) => this.#sendKeyTo(peerId, keyIndex, material)));
    this.#material = material;
    if (this.#rotationTimer !== null) clearTimeout(this.#rotationTimer);
    this.#rotationTimer = setTimeout(() => {
      this.#rotationTimer = null;
      this.#post({ kind: 'setLocalKey', keyIndex, material: material.slice(0) });
      this.#onKeyMaterial?.(this.#selfId, keyIndex, material.slice(0));
    }, this.#peers.size === 0 ? 0 : ROTATION_SWITCH_DELAY_MS);
    this.#update({ keyIndex });
  }

  /**
   * Resolves true once we hold `participantId`'s media key, or false after `timeoutMs`.
   * Receivers wait for it before asking for media: the key frame the SFU requests on resume
   * must arrive when it can be decrypted, or the picture stays black until the next one.
   */
  waitForKey(participantId: string, timeoutMs: number): Promise<boolean> {
    if (this.#haveKey.has(participantId)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        resolve(false);
      }, timeoutMs);
      const waiters = this.#keyWaiters.get(participantId) ?? [];
      waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
      this.#keyWaiters.set(participantId, waiters);
    });
  }

  /** Encrypts everything `sender` sends. Must run before media flows (mediasoup onRtpSender). */
  attachSender(sender: RTCRtpSender, mediaKind: MediaKind): void {
    this.#attach(sender, { operation: 'encrypt', mediaKind });
  }

  /** Decrypts what `receiver` gets from `participantId`; undecryptable frames are dropped. */
  attachReceiver(receiver: RTCRtpReceiver, participantId: string, mediaKind: MediaKind): void {
    this.#attach(receiver, { operation: 'decrypt', mediaKind, participantId });
  }

  #attach(endpoint: RTCRtpSender | RTCRtpReceiver, target: TransformTarget): void {
    const worker = this.#worker;
    if (worker === null) throw new Error('E2EE is not supported in this browser');
    if (this.#transformApi === 'script-transform') {
      endpoint.transform = new RTCRtpScriptTransform(worker, target);
      return;
    }
    const { readable, writable } = (endpoint as unknown as EncodedStreamsSender).createEncodedStreams();
    const message: PageToWorkerMessage = { kind: 'attachStreams', target, readable, writable };
    worker.postMessage(message, [readable, writable] as unknown as Transferable[]);
  }

  #onWorkerMessage(message: WorkerToPageMessage): void {
    switch (message.kind) {
      case 'stats': {
        const { encryptedFrames, decryptedFrames, droppedFrames } = message;
        this.#update({ stats: { encryptedFrames, decryptedFrames, droppedFrames } });
        break;
      }
      case 'decryptState': {
        const peer = this.#peers.get(message.participantId);
        if (peer !== undefined) peer.decryptState = message.state;
        const anyFailing = [...this.#peers.values()].some((candidate) => candidate.decryptState === 'failing');
        if (this.#state.status === 'active' || this.#state.status === 'failing') {
          this.#update({ status: anyFailing ? 'failing' : 'active' });
        }
        break;
      }
      case 'error':
        this.#update({ status: 'failing' });
        break;
    }
  }

  #post(message: PageToWorkerMessage): void {
    const transfer = 'material' in message ? [message.material] : [];
    this.#worker?.postMessage(message, transfer);
  }

  #update(patch: Partial<E2eeState>): void {
    if (this.#closed) return;
    this.#state = { ...this.#state, ...patch };
    for (const listener of this.#listeners) listener(this.#state);
  }

  /** Stops the worker and forgets every key. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#rotationTimer !== null) clearTimeout(this.#rotationTimer);
    this.#worker?.terminate();
    this.#peers.clear();
    this.#listeners.clear();
  }
}
