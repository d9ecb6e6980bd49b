/**
 * Page-side E2EE controller for one room: owns this join's ECDH identity and its API-signed
 * certificate, our current media sender key, the pairwise keys with each verified key holder
 * and the dedicated worker that does the frame crypto. Signaling is injected (`send`), so the
 * same class runs over the SFU's socket or, in tests, over a (malicious) loopback relay.
 *
 * Key exchange with each peer, all through the relay:
 *   1. commit  - SHA-256 of our public key and a nonce (sas.ts), sent before anything else;
 *   2. reveal  - public key, nonce and certificate, sent to a peer only once we hold its commit;
 *   3. senderKey - our media key sealed with the pairwise ECDH key, only to peers whose reveal
 *      matched their commit and whose certificate the API signed for this room and that key.
 * Anything that fails a check changes nothing we trust: the peer gets no key and is listed as
 * refused, which the room screen shows as a warning.
 */
import type { GuestRelation, RoomRole } from '@medspa/shared-types';
import { CertificateVerifier, describeOwnCertificate } from './certificate.js';
import type { CertificateProblem, CertifiedParticipant, JwkSet } from './certificate.js';
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
import { KEY_INDEX_MODULUS, RATCHET_WINDOW, indexDistance, ratchetMaterial } from './ratchet.js';
import { COMMIT_NONCE_BYTES, commitmentOf, shortAuthenticationString } from './sas.js';
import type { SasSymbol } from './sas.js';
import type { DecryptState, MediaKind, PageToWorkerMessage, TransformTarget, WorkerToPageMessage } from './worker/protocol.js';

/** E2EE messages participants exchange through the signaling relay (opaque to the SFU). */
export type E2eeSignal =
  /** `reply` marks an answer to someone's commit, which is never answered again (no ping-pong). */
  | { kind: 'commit'; commitment: string; reply?: boolean }
  | { kind: 'reveal'; publicKey: string; nonce: string; certificate: string }
  | { kind: 'senderKey'; wrapped: WrappedSenderKey };

/** What the E2EE indicator shows. */
export type E2eeStatus = 'starting' | 'waiting_for_peer' | 'active' | 'failing' | 'unsupported';

/** Someone who holds our media key: their certificate was valid for this room and key. */
export interface KeyHolder {
  userId: string;
  name: string;
  role: RoomRole;
  /** Guests: why they are here (from their certificate). */
  relation: GuestRelation | null;
  /** Guests: who invited them (from their certificate). */
  invitedBy: string | null;
}

/** Why a would-be key holder got no key. */
export type RefusalReason = CertificateProblem | 'no_commitment' | 'commitment_mismatch' | 'not_expected';

export interface RefusedPeer {
  /** The id the relay used for them (may be made up by a malicious relay). */
  userId: string;
  reason: RefusalReason;
  /** The certified name, when the certificate itself was valid (e.g. not expected here). */
  name: string | null;
}

export interface E2eeState {
  status: E2eeStatus;
  /** Short authentication string over every key holder's key and nonce; null until a peer is verified. */
  sas: SasSymbol[] | null;
  /** True once the people said the codes match; any key change sets it back to false. */
  verified: boolean;
  /** Index of the media key we currently send with (changes on ratchet and rotation). */
  keyIndex: number;
  /** Others who hold our media key, with their certified names and roles. */
  holders: KeyHolder[];
  /** Ourselves as our certificate names us (null before the API certified this join's key). */
  self: KeyHolder | null;
  /** Peers refused a key (no or bad certificate, key not matching, unexpected). */
  refused: RefusedPeer[];
  /** Frame counters from the worker. */
  stats: { encryptedFrames: number; decryptedFrames: number; droppedFrames: number; replayedFrames: number };
}

/**
 * Delay between handing a rotated key to the others and sending with it, so their worker
 * has the key before the first frame sealed with it arrives (frames in between would be
 * dropped, not shown garbled, but there is no reason to drop them).
 */
const ROTATION_SWITCH_DELAY_MS = 500;
/** Refusals kept for the warning list (a relay flooding fake peers cannot grow it without bound). */
const REFUSALS_KEPT = 10;

/** A verified key holder. */
interface Holder {
  participant: CertifiedParticipant;
  publicKey: Uint8Array<ArrayBuffer>;
  nonce: Uint8Array<ArrayBuffer>;
  commitment: string;
  pairwiseKey: Promise<CryptoKey>;
  decryptState: DecryptState | null;
}

/** What we know about one relay address. */
interface PeerRecord {
  /** Their latest commitment. */
  commitment: string | null;
  /** The commitment of theirs that our last reveal answered. */
  revealedFor: string | null;
  holder: Holder | null;
}

/** Our identity for one join: ECDH key pair, nonce, commitment, and the API's certificate. */
interface JoinIdentity {
  identity: E2eeIdentity;
  nonce: Uint8Array<ArrayBuffer>;
  commitment: string;
  certificate: string | null;
}

/** A sender key as the chat (and tests) use it. */
export interface SenderKey {
  keyIndex: number;
  material: ArrayBuffer;
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
  /** The room (appointment id) certificates must name. */
  roomId: string;
  /** Sends a signal to one participant, or to everyone in the room when `to` is null. */
  send: (to: string | null, signal: E2eeSignal) => void;
  /** The API's key set; default: GET /.well-known/jwks.json on this origin (proxied to the API, never the SFU). */
  loadJwks?: () => Promise<JwkSet>;
  /**
   * Room policy on top of the certificate: whom we expect to hold keys. Default: the visit's
   * patient and provider, and guests the provider invited (the only roles the API certifies
   * for a consult room; a guest certificate exists only for a standing invitation).
   */
  expects?: (participant: CertifiedParticipant) => boolean;
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

async function fetchJwks(): Promise<JwkSet> {
  const response = await fetch('/.well-known/jwks.json', { credentials: 'omit' });
  if (!response.ok) throw new Error('jwks_unavailable');
  return (await response.json()) as JwkSet;
}

const EXPECTED_ROLES: readonly RoomRole[] = ['patient', 'provider', 'guest'];

/** One participant's E2EE state machine for one room session. */
export class E2eeSession {
  readonly #selfId: string;
  readonly #send: E2eeSessionOptions['send'];
  readonly #verifier: CertificateVerifier;
  readonly #expects: (participant: CertifiedParticipant) => boolean;
  readonly #transformApi: TransformApi | null;
  readonly #worker: Worker | null;
  readonly #peers = new Map<string, PeerRecord>();
  readonly #listeners = new Set<(state: E2eeState) => void>();
  #join: Promise<JoinIdentity> | null = null;
  #material: ArrayBuffer = newSenderKeyMaterial();
  /** Key index and material the worker encrypts with (null before the first install). */
  #installed: { keyIndex: number; material: ArrayBuffer } | null = null;
  /** Latest sender key we got from each holder, kept for the E2EE chat. */
  readonly #remoteKeys = new Map<string, SenderKey>();
  #state: E2eeState;
  #closed = false;
  #started = false;
  #rotationTimer: ReturnType<typeof setTimeout> | null = null;
  #inbox: Promise<void> = Promise.resolve();
  readonly #keyWaiters = new Map<string, (() => void)[]>();

  constructor(options: E2eeSessionOptions) {
    this.#selfId = options.selfId;
    this.#send = options.send;
    this.#verifier = new CertificateVerifier(options.roomId, options.loadJwks ?? fetchJwks);
    this.#expects = options.expects ?? ((participant) => EXPECTED_ROLES.includes(participant.role));
    this.#transformApi = options.transformApi === undefined ? detectTransformApi() : options.transformApi;
    this.#state = {
      status: this.#transformApi === null ? 'unsupported' : 'starting',
      sas: null,
      verified: false,
      keyIndex: 0,
      holders: [],
      self: null,
      refused: [],
      stats: { encryptedFrames: 0, decryptedFrames: 0, droppedFrames: 0, replayedFrames: 0 },
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

  /**
   * Creates a fresh key pair for the next join and returns its public key (raw P-256,
   * base64url), which goes with the room-token request so the API can certify it.
   */
  async prepareIdentity(): Promise<string> {
    const prepared = (async (): Promise<JoinIdentity> => {
      const identity = await createIdentity();
      const nonce = crypto.getRandomValues(new Uint8Array(COMMIT_NONCE_BYTES));
      const commitment = toBase64Url(await commitmentOf(identity.publicKey, nonce));
      return { identity, nonce, commitment, certificate: null };
    })();
    this.#join = prepared;
    return toBase64Url((await prepared).identity.publicKey);
  }

  /** The API's certificate for the key prepareIdentity returned. */
  async setCertificate(certificate: string | null): Promise<void> {
    const join = await this.#join;
    if (join !== null) join.certificate = certificate;
    const self = certificate === null ? null : describeOwnCertificate(certificate);
    this.#update({ self });
  }

  /** Installs our first media key and sends our commitment to everyone in the room. */
  async start(): Promise<void> {
    if (this.#transformApi === null) return;
    if (this.#join === null) await this.prepareIdentity();
    const join = await this.#join;
    if (join === null) return;
    this.#started = true;
    this.#installLocal(this.#state.keyIndex, this.#material);
    this.#update({ status: this.#holders().length === 0 ? 'waiting_for_peer' : this.#state.status });
    this.#send(null, { kind: 'commit', commitment: join.commitment });
  }

  /**
   * Starts over after we (re)joined the room: the others forgot our keys when we dropped,
   * so forget theirs, take a new media key and announce ourselves again.
   */
  restart(): Promise<void> {
    return this.#enqueue(async () => {
      for (const peerId of this.#peers.keys()) this.#post({ kind: 'forgetParticipant', participantId: peerId });
      this.#peers.clear();
      this.#remoteKeys.clear();
      if (this.#started) await this.#rotateNow();
      await this.#refreshSas();
      await this.start();
    });
  }

  /**
   * Feeds a signal received from the relay. Malformed or misaddressed signals are ignored.
   * Signals are handled one at a time in arrival order: a reveal must be checked against the
   * commit before it, and a sealed key needs the pairwise key its sender's reveal gave.
   */
  receive(from: string, signal: E2eeSignal): Promise<void> {
    return this.#enqueue(() => this.#handle(from, signal));
  }

  #enqueue(work: () => Promise<void>): Promise<void> {
    const done = this.#inbox.then(work);
    this.#inbox = done.catch(() => undefined);
    return done;
  }

  async #handle(from: string, signal: E2eeSignal): Promise<void> {
    if (this.#closed || this.#join === null || from === this.#selfId) return;
    switch (signal.kind) {
      case 'commit':
        await this.#onCommit(from, signal.commitment, signal.reply === true);
        break;
      case 'reveal':
        await this.#onReveal(from, signal);
        break;
      case 'senderKey':
        await this.#onSenderKey(from, signal.wrapped);
        break;
    }
  }

  async #onCommit(from: string, commitment: string, isReply: boolean): Promise<void> {
    const join = await this.#join;
    if (join === null) return;
    const record = this.#peers.get(from) ?? { commitment: null, revealedFor: null, holder: null };
    this.#peers.set(from, record);
    if (record.holder !== null && record.holder.commitment !== commitment) {
      // A new key for someone we verified: forget the old one at once (the verified code no
      // longer applies) and rotate so the old key's holder reads nothing we send from now on.
      this.#dropHolder(from, record);
      await this.#rotateNow();
      await this.#refreshSas();
    }
    record.commitment = commitment;
    // A fresh commit means they (re)started and hold nothing of ours: answer it, even if we
    // still knew them (a rejoin can overtake the news that their old seat left).
    if (!isReply) this.#send(from, { kind: 'commit', commitment: join.commitment, reply: true });
    // Our key is revealed only now that theirs is committed (sas.ts).
    if (!isReply || record.revealedFor !== commitment) {
      record.revealedFor = commitment;
      if (join.certificate !== null) {
        this.#send(from, {
          kind: 'reveal',
          publicKey: toBase64Url(join.identity.publicKey),
          nonce: toBase64Url(join.nonce),
          certificate: join.certificate,
        });
      }
    }
    if (!isReply && record.holder !== null) await this.#sendKeyTo(from, this.#state.keyIndex, this.#material);
  }

  async #onReveal(from: string, signal: Extract<E2eeSignal, { kind: 'reveal' }>): Promise<void> {
    const join = await this.#join;
    const record = this.#peers.get(from);
    if (join === null) return;
    if (record === undefined || record.commitment === null) {
      this.#refuse(from, 'no_commitment', null);
      return;
    }
    let publicKey: Uint8Array<ArrayBuffer>;
    let nonce: Uint8Array<ArrayBuffer>;
    try {
      publicKey = fromBase64Url(signal.publicKey);
      nonce = fromBase64Url(signal.nonce);
    } catch {
      this.#refuse(from, 'malformed', null);
      return;
    }
    if (record.holder !== null && toBase64Url(record.holder.publicKey) === signal.publicKey) return;
    if (toBase64Url(await commitmentOf(publicKey, nonce)) !== record.commitment) {
      this.#refuse(from, 'commitment_mismatch', null);
      return;
    }
    const check = await this.#verifier.verify(signal.certificate, from, publicKey);
    if (!check.ok) {
      this.#refuse(from, check.problem, null);
      return;
    }
    if (!this.#expects(check.participant)) {
      this.#refuse(from, 'not_expected', check.participant.name);
      return;
    }
    let pairwiseKey: Promise<CryptoKey>;
    try {
      pairwiseKey = derivePairwiseKey(join.identity, publicKey);
      await pairwiseKey;
    } catch {
      this.#refuse(from, 'malformed', null);
      return;
    }
    record.holder = { participant: check.participant, publicKey, nonce, commitment: record.commitment, pairwiseKey, decryptState: null };
    // Ratchet on join: the newcomer gets the next key, derived one-way from the current one,
    // so it cannot decrypt anything sent before it joined; the others step forward alone.
    await this.#ratchetForJoin();
    await this.#sendKeyTo(from, this.#state.keyIndex, this.#material);
    await this.#refreshSas();
  }

  async #onSenderKey(from: string, wrapped: WrappedSenderKey): Promise<void> {
    if (wrapped.from !== from || wrapped.to !== this.#selfId) return;
    const holder = this.#peers.get(from)?.holder;
    if (holder === null || holder === undefined) return;
    try {
      const material = await unwrapSenderKey(await holder.pairwiseKey, wrapped);
      this.#remoteKeys.set(from, { keyIndex: wrapped.keyIndex, material: material.slice(0) });
      this.#post({ kind: 'setRemoteKey', participantId: from, keyIndex: wrapped.keyIndex, material });
      for (const resolve of this.#keyWaiters.get(from) ?? []) resolve();
      this.#keyWaiters.delete(from);
      this.#update({ status: 'active' });
    } catch {
      // Not sealed with our pairwise key: a substituted key; keep the old one.
      this.#update({ status: 'failing' });
    }
  }

  #refuse(userId: string, reason: RefusalReason, name: string | null): void {
    const known = this.#state.refused.some((entry) => entry.userId === userId && entry.reason === reason);
    if (known) return;
    this.#update({ refused: [...this.#state.refused, { userId, reason, name }].slice(-REFUSALS_KEPT) });
  }

  #dropHolder(peerId: string, record: PeerRecord): void {
    record.holder = null;
    this.#remoteKeys.delete(peerId);
    this.#post({ kind: 'forgetParticipant', participantId: peerId });
  }

  #holders(): Holder[] {
    return [...this.#peers.values()].flatMap((record) => (record.holder === null ? [] : [record.holder]));
  }

  async #sendKeyTo(peerId: string, keyIndex: number, material: ArrayBuffer): Promise<void> {
    const holder = this.#peers.get(peerId)?.holder;
    if (holder === null || holder === undefined) return;
    const wrapped = await wrapSenderKey(await holder.pairwiseKey, material, this.#selfId, peerId, keyIndex);
    this.#send(peerId, { kind: 'senderKey', wrapped });
  }

  async #refreshSas(): Promise<void> {
    const join = await this.#join;
    if (join === null) return;
    const holders = this.#holders();
    const sas =
      holders.length === 0
        ? null
        : await shortAuthenticationString([{ publicKey: join.identity.publicKey, nonce: join.nonce }, ...holders]);
    const text = (symbols: SasSymbol[] | null): string => symbols?.map((symbol) => symbol.word).join('|') ?? '';
    const changed = text(sas) !== text(this.#state.sas);
    this.#update({
      sas,
      // Any change of the keys behind the code voids an earlier "the codes match".
      verified: changed ? false : this.#state.verified,
      holders: holders.map(({ participant }) => ({
        userId: participant.userId,
        name: participant.name,
        role: participant.role,
        relation: participant.relation,
        invitedBy: participant.invitedBy,
      })),
      ...(holders.length === 0 && this.#started ? { status: 'waiting_for_peer' as const } : {}),
    });
  }

  /** The people compared the code and it matched: shows "Verified" until a key changes. */
  markVerified(): void {
    if (this.#state.sas !== null) this.#update({ verified: true });
  }

  /**
   * A participant left: forget their keys and rotate our media key, so they cannot decrypt
   * anything we send from now on even if they kept a copy of the old one.
   */
  participantLeft(peerId: string): Promise<void> {
    return this.#enqueue(async () => {
      const record = this.#peers.get(peerId);
      if (record === undefined) return;
      this.#peers.delete(peerId);
      const wasHolder = record.holder !== null;
      this.#dropHolder(peerId, record);
      if (wasHolder) await this.#rotateNow();
      await this.#refreshSas();
    });
  }

  /** Generates a new media key, hands it to every holder still here, then sends with it. */
  rotate(): Promise<void> {
    return this.#enqueue(() => this.#rotateNow());
  }

  async #rotateNow(): Promise<void> {
    const keyIndex = (this.#state.keyIndex + 1) % KEY_INDEX_MODULUS;
    const material = newSenderKeyMaterial();
    const recipients = [...this.#peers.entries()].filter(([, record]) => record.holder !== null).map(([peerId]) => peerId);
    await Promise.all(recipients.map((peerId) => this.#sendKeyTo(peerId, keyIndex, material)));
    this.#material = material;
    this.#update({ keyIndex });
    this.#scheduleSwitch(recipients.length === 0 ? 0 : ROTATION_SWITCH_DELAY_MS);
  }

  async #ratchetForJoin(): Promise<void> {
    this.#material = await ratchetMaterial(this.#material);
    this.#update({ keyIndex: (this.#state.keyIndex + 1) % KEY_INDEX_MODULUS });
    // Holders ratchet their copy when the first frame under the new index arrives, so
    // there is nothing to wait for, unless a rotation's switch is still pending.
    this.#scheduleSwitch(this.#rotationTimer === null ? 0 : ROTATION_SWITCH_DELAY_MS);
  }

  /** Installs the current key in the worker after `delayMs` (the newest key wins). */
  #scheduleSwitch(delayMs: number): void {
    if (this.#rotationTimer !== null) clearTimeout(this.#rotationTimer);
    this.#rotationTimer = null;
    const install = (): void => {
      this.#rotationTimer = null;
      this.#installLocal(this.#state.keyIndex, this.#material);
    };
    if (delayMs === 0) install();
    else this.#rotationTimer = setTimeout(install, delayMs);
  }

  #installLocal(keyIndex: number, material: ArrayBuffer): void {
    if (!this.#started) return;
    // Reinstalling the same key would restart the IV counter for nothing.
    if (this.#installed?.keyIndex === keyIndex && this.#installed.material === material) return;
    this.#installed = { keyIndex, material };
    this.#post({ kind: 'setLocalKey', keyIndex, material: material.slice(0) });
  }

  /** The key we send with now (for the E2EE chat); null before E2EE started. */
  currentSendKey(): SenderKey | null {
    return this.#installed === null ? null : { keyIndex: this.#installed.keyIndex, material: this.#installed.material.slice(0) };
  }

  /**
   * A key holder's sender key at `keyIndex` (default: the latest we got), ratcheting forward
   * from the latest one we were sent when they ratcheted since; null when we cannot have it.
   */
  async peerKey(userId: string, keyIndex?: number): Promise<SenderKey | null> {
    const latest = this.#remoteKeys.get(userId);
    if (latest === undefined || (this.#peers.get(userId)?.holder ?? null) === null) return null;
    const wanted = keyIndex ?? latest.keyIndex;
    const steps = indexDistance(latest.keyIndex, wanted);
    if (steps > RATCHET_WINDOW) return null;
    let material = latest.material.slice(0);
    for (let step = 0; step < steps; step += 1) material = await ratchetMaterial(material);
    return { keyIndex: wanted, material };
  }

  /** The certified identity behind a holder's key, or null when they hold none. */
  holderOf(userId: string): KeyHolder | null {
    return this.#state.holders.find((holder) => holder.userId === userId) ?? null;
  }

  /**
   * Resolves true once we hold `participantId`'s media key, or false after `timeoutMs`.
   * Receivers wait for it before asking for media: the key frame the SFU requests on resume
   * must arrive when it can be decrypted, or the picture stays black until the next one.
   */
  waitForKey(participantId: string, timeoutMs: number): Promise<boolean> {
    if (this.#remoteKeys.has(participantId)) return Promise.resolve(true);
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
        const { encryptedFrames, decryptedFrames, droppedFrames, replayedFrames } = message;
        this.#update({ stats: { encryptedFrames, decryptedFrames, droppedFrames, replayedFrames } });
        break;
      }
      case 'decryptState': {
        const holder = this.#peers.get(message.participantId)?.holder;
        if (holder !== null && holder !== undefined) holder.decryptState = message.state;
        const anyFailing = this.#holders().some((candidate) => candidate.decryptState === 'failing');
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
    this.#remoteKeys.clear();
    this.#listeners.clear();
  }
}
