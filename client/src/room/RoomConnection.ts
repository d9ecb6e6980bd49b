/**
 * One participant's connection to a consult room: socket.io signaling (shared contract in
 * @medspa/shared-types), mediasoup-client transports, E2EE on every sender and receiver, the
 * waiting room, automatic reconnection and a network-quality estimate.
 */
import type {
  Ack,
  AdmissionRefusalReason,
  VisitEndOutcome,
  ClientToServerEvents,
  ConsumerInfo,
  JoinResult,
  PeerInfo,
  ProducerInfo,
  ServerToClientEvents,
  TransportInfo,
  WaitingPeer,
} from '@medspa/shared-types';
import { Device } from 'mediasoup-client';
import type { Consumer, Producer, RtpCodecCapability, Transport } from 'mediasoup-client/types';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { E2eeSession } from '../e2ee/E2eeSession.js';
import type { E2eeSignal, E2eeState } from '../e2ee/E2eeSession.js';
import { ChatChannel } from './chatChannel.js';
import type { ChatMessage } from './chatChannel.js';
import { parseE2eeSignal } from './e2eeRelay.js';
import { sameEndpoint, signalingEndpoint } from './signalingEndpoint.js';
import type { SignalingEndpoint } from './signalingEndpoint.js';
import { classifyNetwork } from './networkQuality.js';
import type { NetworkQuality, TransportSample } from './networkQuality.js';
import { watchVideo } from './videoStall.js';
import type { VideoCounters, VideoWatch } from './videoStall.js';

type RoomSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type RoomPhase = 'connecting' | 'waiting' | 'in_room' | 'reconnecting' | 'ended' | 'failed';

/** A remote participant's media as the UI renders it. */
export interface RemoteParticipant {
  peerId: string;
  userId: string;
  role: PeerInfo['role'];
  stream: MediaStream;
  /** Their media stopped arriving (their network dropped): the tile says "reconnecting". */
  reconnecting: boolean;
}

export interface RoomState {
  phase: RoomPhase;
  waiting: WaitingPeer[];
  remotes: RemoteParticipant[];
  e2ee: E2eeState;
  network: NetworkQuality;
  /** Machine-readable reason when phase is failed (e.g. a signaling error code). */
  error: string | null;
  reconnects: number;
  /** Set for a waiting patient when the provider tried to admit them and the API refused. */
  refusal: AdmissionRefusalReason | null;
  /** Others whose connection dropped: their tile says "reconnecting..." until they are back. */
  reconnectingPeers: PeerInfo[];
  /** Set when the provider ended the visit (with how it ended). */
  visitEnded: VisitEndOutcome | null;
  /** In-call chat, decrypted (end-to-end encrypted on the wire). */
  chat: ChatMessage[];
}

/** A refused signaling request: `code` is the SFU's error code, `reason` a finer cause when given. */
export class RoomRequestError extends Error {
  readonly reason: string | null;
  constructor(code: string, reason: string | undefined) {
    super(code);
    this.name = 'RoomRequestError';
    this.reason = reason ?? null;
  }
}

/** What the API returns from POST /v1/appointments/:id/room-token. */
export interface RoomTicket {
  token: string;
  /** The API's E2EE participant certificate for the public key sent with the request. */
  certificate?: string | null;
  iceServers?: RTCIceServer[];
  /** Signaling origin when the deployment runs the SFU elsewhere (SFU_PUBLIC_URL). */
  sfuUrl?: string | null;
}

export interface RoomOptions {
  appointmentId: string;
  /** Our user id: the E2EE participant id others know us by (PeerInfo.userId). */
  selfUserId: string;
  /**
   * Fetches a fresh short-lived room token (on every (re)connection), sending the public key
   * of this join's fresh E2EE key pair for the API to certify.
   */
  fetchTicket: (e2eePublicKey: string) => Promise<RoomTicket>;
  /**
   * An authenticated API call made every HEARTBEAT_MS while connected, so a passive consult
   * counts as activity for the idle logoff; it stops when the tab closes.
   */
  heartbeat?: () => Promise<void>;
  localStream: MediaStream;
  /** socket.io endpoint; default same origin (the static server proxies /socket.io). */
  signalingUrl?: string;
}

const NETWORK_SAMPLE_MS = 2000;
/** How often remote media is checked for a stall or a frozen picture (videoStall.ts). */
const STALL_SAMPLE_MS = 250;
/** After signaling is down this long, ask the API whether the room moved to another node (issue 12). */
const MOVE_AFTER_MS = 2000;
const PLACEMENT_CHECK_MS = 1000;
/** socket.io reconnection backoff (the library retries forever with these bounds). */
const RECONNECT_DELAY_MS = 500;
const RECONNECT_DELAY_MAX_MS = 4000;
const REQUEST_TIMEOUT_MS = 15_000;
/** Longest wait for a sender's E2EE key before resuming its media anyway. */
const KEY_WAIT_MS = 10_000;
/** Well inside the API's 15-minute idle logoff, and rare enough to cost nothing. */
export const HEARTBEAT_MS = 60_000;
/** How long a dropped participant's tile says "reconnecting" (the SFU holds the seat 30 s). */
const RECONNECTING_TILE_MS = 35_000;

function pickVp8(device: Device): RtpCodecCapability {
  // E2EE leaves only VP8 headers in the clear (codecHeader.ts): never let another codec win.
  const vp8 = device.sendRtpCapabilities.codecs?.find((codec) => codec.mimeType.toLowerCase() === 'video/vp8');
  if (vp8 === undefined) throw new Error('vp8_unavailable');
  return vp8;
}

/** Drives one room session; the UI subscribes to state changes. */
export class RoomConnection {
  readonly #options: RoomOptions;
  readonly #e2ee: E2eeSession;
  readonly #chat: ChatChannel;
  readonly #reconnectingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #listeners = new Set<(state: RoomState) => void>();
  readonly #peers = new Map<string, PeerInfo>();
  readonly #consumers = new Map<string, Consumer>();
  readonly #producers = new Map<string, Producer>();
  /** Remote producers announced while our transports were still being set up. */
  #pendingProducers: ProducerInfo[] = [];
  /** Remote producers we consume already (the join result and newProducer can overlap). */
  readonly #consumedProducers = new Set<string>();
  #socket: RoomSocket | null = null;
  /** The node the socket connects to. */
  #endpoint: SignalingEndpoint | null = null;
  #ticket: RoomTicket | null = null;
  /** The ticket fetched last (its certificate is for the key pair prepared last). */
  #latestTicket: RoomTicket | null = null;
  #ticketQueue: Promise<unknown> = Promise.resolve();
  /** Since when signaling is down (null while connected). */
  #disconnectedSince: number | null = null;
  #placementCheck = false;
  #placementTimer: ReturnType<typeof setInterval> | null = null;
  #device: Device | null = null;
  #sendTransport: Transport | null = null;
  #recvTransport: Transport | null = null;
  #networkTimer: ReturnType<typeof setInterval> | null = null;
  #heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  #stallTimer: ReturnType<typeof setInterval> | null = null;
  /** Transports an ICE restart was tried on since they were last connected. */
  readonly #iceRestarted = new Set<string>();
  /** Per video consumer: what its receive counters showed so far (videoStall.ts). */
  readonly #videoWatches = new Map<string, VideoWatch>();
  #lastSample: TransportSample | null = null;
  #closed = false;
  /** The provider ended the visit: the server closes the connection, no goodbye needed. */
  #ending = false;
  #reportedKeysExchanged = false;
  #state: RoomState;

  constructor(options: RoomOptions) {
    this.#options = options;
    this.#chat = new ChatChannel({
      selfId: options.selfUserId,
      keys: {
        currentSendKey: () => this.#e2ee.currentSendKey(),
        peerKey: (userId, keyIndex) => this.#e2ee.peerKey(userId, keyIndex),
      },
      relay: async (sealed) => {
        await this.#request('chat', { sealed });
      },
    });
    this.#e2ee = new E2eeSession({
      selfId: options.selfUserId,
      roomId: options.appointmentId,
      send: (to, signal) => {
        this.#relay(to, signal);
      },
    });
    this.#chat.subscribe((chat) => {
      this.#update({ chat });
    });
    this.#state = {
      phase: 'connecting',
      waiting: [],
      remotes: [],
      e2ee: this.#e2ee.state,
      network: 'unknown',
      error: null,
      reconnects: 0,
      refusal: null,
      reconnectingPeers: [],
      visitEnded: null,
      chat: [],
    };
    this.#e2ee.subscribe((e2ee) => {
      this.#update({ e2ee });
      if (e2ee.status === 'active' && !this.#reportedKeysExchanged) {
        this.#reportedKeysExchanged = true;
        void this.reportE2eeState('keys_exchanged');
      }
    });
  }

  get state(): RoomState {
    return this.#state;
  }

  subscribe(listener: (state: RoomState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Connects and joins (waiting room for patients); reconnects by itself until close(). */
  start(): void {
    if (this.#e2ee.state.status === 'unsupported') {
      this.#update({ phase: 'failed', error: 'e2ee_unsupported' });
      return;
    }
    // The first token says which node serves the room (cluster mode): fetch it, then connect there.
    void this.#freshTicket().then(
      (ticket) => {
        this.#open(ticket);
      },
      () => {
        // The handshake's own token request tries again and reports a failure as before.
        this.#open(null);
      },
    );
    this.#placementTimer = setInterval(() => {
      void this.#checkPlacement(false);
    }, PLACEMENT_CHECK_MS);
    this.#startTimers();
  }

  /**
   * A fresh room token for a new join: a fresh E2EE key pair the API certifies. Requests are
   * serialized so the certificate installed is always the one of the latest key pair.
   */
  #freshTicket(): Promise<RoomTicket> {
    const next = this.#ticketQueue.then(async () => {
      const publicKey = await this.#e2ee.prepareIdentity();
      const ticket = await this.#options.fetchTicket(publicKey);
      await this.#e2ee.setCertificate(ticket.certificate ?? null);
      this.#latestTicket = ticket;
      return ticket;
    });
    this.#ticketQueue = next.catch(() => undefined);
    return next;
  }

  #endpointOf(ticket: RoomTicket | null): SignalingEndpoint {
    const url = ticket?.sfuUrl ?? this.#options.signalingUrl ?? window.location.origin;
    return signalingEndpoint(url, window.location.href);
  }

  /** Opens the signaling socket to the node `ticket` names (the first handshake uses that ticket). */
  #open(ticket: RoomTicket | null): void {
    if (this.#closed) return;
    const endpoint = this.#endpointOf(ticket);
    let prefetched = ticket;
    const socket: RoomSocket = io(endpoint.origin, {
      path: endpoint.path,
      transports: ['websocket'],
      reconnectionDelay: RECONNECT_DELAY_MS,
      reconnectionDelayMax: RECONNECT_DELAY_MAX_MS,
      // A fresh short-lived token on every (re)connection attempt.
      // Every connection is a new join with a fresh E2EE key pair the API certifies.
      auth: (callback) => {
        const ready = prefetched;
        prefetched = null;
        // A prefetched token is used only while its key pair is still the one prepared last.
        const ticketFor = ready !== null && ready === this.#latestTicket ? Promise.resolve(ready) : this.#freshTicket();
        ticketFor.then(
          (fresh) => {
            if (socket !== this.#socket) return;
            if (!sameEndpoint(this.#endpointOf(fresh), endpoint)) {
              this.#moveTo(fresh);
              return;
            }
            this.#ticket = fresh;
            callback({ roomId: this.#options.appointmentId, token: fresh.token });
          },
          () => {
            callback({ roomId: this.#options.appointmentId, token: '' });
          },
        );
      },
    });
    this.#socket = socket;
    this.#endpoint = endpoint;
    socket.on('connect', () => {
      this.#disconnectedSince = null;
      void this.#join();
    });
    socket.on('disconnect', (reason) => {
      if (this.#closed) return;
      this.#disconnectedSince = Date.now();
      this.#teardownMedia();
      // The server ended this seat on purpose (another tab took it): do not fight over it.
      if (reason === 'io server disconnect') this.#update({ phase: 'ended', error: 'disconnected_by_server' });
      else this.#update({ phase: 'reconnecting', network: 'offline', reconnects: this.#state.reconnects + 1 });
    });
    socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      const code = error.data?.code;
      if (code === 'wrong_room' || code === 'invalid_handshake') {
        this.#update({ phase: 'failed', error: code });
        socket.disconnect();
      } else if (code === 'wrong_node') {
        // The room moved to another node (ours was thought dead): socket.io does not retry a
        // refused handshake, so ask the API where the room lives now and go there.
        this.#disconnectedSince ??= Date.now();
        void this.#checkPlacement(true);
      } else {
        this.#disconnectedSince ??= Date.now();
        this.#update({ phase: this.#state.phase === 'connecting' ? 'connecting' : 'reconnecting', network: 'offline' });
      }
    });
    socket.on('waitingRoom', ({ waiting }) => {
      this.#update({ waiting });
    });
    socket.on('admitted', (result) => {
      void this.#enter(result);
    });
    socket.on('peerJoined', (peer) => {
      this.#peers.set(peer.peerId, peer);
    });
    socket.on('peerLeft', ({ peerId }) => {
      const peer = this.#peers.get(peerId);
      this.#peers.delete(peerId);
      this.#update({ remotes: this.#state.remotes.filter((remote) => remote.peerId !== peerId) });
      // Rotate our key so the leaver cannot read what we send next.
      if (peer !== undefined && ![...this.#peers.values()].some((other) => other.userId === peer.userId)) {
        void this.#e2ee.participantLeft(peer.userId);
      }
    });
    socket.on('newProducer', (producer) => {
      void this.#consume(producer);
    });
    socket.on('consumerClosed', ({ consumerId }) => {
      this.#dropConsumer(consumerId);
    });
    socket.on('reconnectRequired', () => {
      this.#rejoinMedia();
    });
    socket.on('replaced', () => {
      this.#update({ phase: 'ended', error: 'replaced_by_another_tab' });
    });
    socket.on('removed', () => {
      // A guest whose invitation was withdrawn: the server disconnects next; forget every key now.
      this.#ending = true;
      this.#update({ phase: 'ended', error: 'removed_by_provider' });
      void this.close();
    });
    socket.on('admissionRefused', ({ reason }) => {
      this.#update({ refusal: reason });
    });
    socket.on('peerReconnecting', ({ peerId }) => {
      const peer = this.#peers.get(peerId);
      if (peer !== undefined) this.#markReconnecting(peer);
    });
    socket.on('visitEnded', ({ outcome }) => {
      this.#ending = true;
      this.#update({ visitEnded: outcome, phase: 'ended' });
      void this.close();
    });
    socket.on('chat', ({ from, sealed }) => {
      const peer = this.#peers.get(from);
      if (peer !== undefined) void this.#chat.receive(peer.userId, sealed);
    });
    socket.on('e2eeSignal', ({ from, signal }) => {
      const parsed = parseE2eeSignal(signal);
      const peer = this.#peers.get(from);
      if (parsed !== null && peer !== undefined) void this.#e2ee.receive(peer.userId, parsed);
    });
  }

  /**
   * While the signaling connection stays down (its node may be gone) or a node refused us as
   * the wrong one, asks the API for a fresh token: when it names another node, move there.
   */
  async #checkPlacement(refused: boolean): Promise<void> {
    if (this.#closed || this.#placementCheck || this.#socket === null) return;
    const since = this.#disconnectedSince;
    if (!refused && (this.#socket.connected || since === null || Date.now() - since < MOVE_AFTER_MS)) return;
    this.#placementCheck = true;
    try {
      const ticket = await this.#freshTicket();
      // Closed or reconnected meanwhile (a method call: the fields changed during the await).
      if (!this.#wantsPlacement()) return;
      const elsewhere = this.#endpoint === null || !sameEndpoint(this.#endpointOf(ticket), this.#endpoint);
      // Refused by this node and the API still names it: its placement is being renewed; retry shortly.
      if (elsewhere || refused) {
        if (!elsewhere) await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS));
        this.#moveTo(ticket);
      }
    } catch {
      // No token now (API unreachable, no live node): the next check tries again.
    } finally {
      this.#placementCheck = false;
    }
  }

  #wantsPlacement(): boolean {
    return !this.#closed && !this.#connected();
  }

  /** Drops the socket to the old node and joins anew on the node `ticket` names; the admission comes with the token. */
  #moveTo(ticket: RoomTicket): void {
    if (this.#closed) return;
    const old = this.#socket;
    this.#socket = null;
    if (old !== null) {
      old.removeAllListeners();
      old.disconnect();
    }
    this.#teardownMedia();
    this.#update({ phase: 'reconnecting', network: 'offline', reconnects: this.#state.reconnects + 1 });
    this.#disconnectedSince = Date.now();
    this.#open(ticket);
  }

  #startTimers(): void {
    window.addEventListener('online', this.#onOnline);
    this.#networkTimer = setInterval(() => {
      void this.#sampleNetwork();
    }, NETWORK_SAMPLE_MS);
    this.#stallTimer = setInterval(() => {
      void this.#checkStalls();
    }, STALL_SAMPLE_MS);
    const { heartbeat } = this.#options;
    if (heartbeat !== undefined) {
      this.#heartbeatTimer = setInterval(() => {
        if (this.#socket?.connected !== true) return;
        heartbeat().catch(() => {
          // A failed heartbeat only means this minute did not count as activity.
        });
      }, HEARTBEAT_MS);
    }
  }

  readonly #onOnline = (): void => {
    // The OS says the network is back: try now instead of waiting for the backoff timer.
    if (this.#socket?.connected === false) this.#socket.connect();
  };

  async #request<E extends keyof ClientToServerEvents>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
  ): Promise<Parameters<Parameters<ClientToServerEvents[E]>[1]>[0] extends Ack<infer R> ? R : never> {
    const socket = this.#socket;
    if (socket === null) throw new Error('not connected');
    const emitter = socket.timeout(REQUEST_TIMEOUT_MS) as unknown as {
      emitWithAck: (event: string, payload: unknown) => Promise<Ack<unknown>>;
    };
    const result = await emitter.emitWithAck(event, payload);
    if (!result.ok) throw new RoomRequestError(result.error.code, result.error.reason);
    return result.data as never;
  }

  #relay(to: string | null, signal: E2eeSignal): void {
    // Session ids are user ids; the relay addresses peers.
    const peerId = to === null ? null : [...this.#peers.values()].find((peer) => peer.userId === to)?.peerId;
    if (peerId === undefined) return;
    this.#request('e2eeSignal', { to: peerId, signal: { ...signal } }).catch(() => {
      // The peer left meanwhile; its departure triggers a key rotation anyway.
    });
  }

  async #join(): Promise<void> {
    try {
      const result = await this.#request('join', {});
      if (result.status === 'waiting') {
        this.#update({ phase: 'waiting', network: 'good' });
        return;
      }
      await this.#enter(result);
    } catch (error) {
      this.#update({ phase: 'failed', error: error instanceof Error ? error.message : 'join_failed' });
    }
  }

  async #enter(result: JoinResult): Promise<void> {
    if (result.routerRtpCapabilities === undefined) return;
    this.#peers.clear();
    for (const peer of result.peers ?? []) this.#peers.set(peer.peerId, peer);
    this.#teardownMedia();
    try {
      // Fresh E2EE state for this seat (others forgot our keys when we dropped); the key
      // exchange runs while the transports are set up, so keys are there when media is.
      const restarted = this.#e2ee.restart();
      const device = new Device();
      await device.load({ routerRtpCapabilities: result.routerRtpCapabilities });
      this.#device = device;
      // Independent round trips, in parallel: the first remote frame waits for all of them.
      const [sendTransport, recvTransport] = await Promise.all([this.#createTransport(device, 'send'), this.#createTransport(device, 'recv')]);
      this.#sendTransport = sendTransport;
      this.#recvTransport = recvTransport;
      await restarted;
      const announced = [...(result.producers ?? []), ...this.#pendingProducers];
      this.#pendingProducers = [];
      // Sending and receiving use different transports; each consume handles its own failure.
      await Promise.all([this.#produceAll(), ...announced.map((producer) => this.#consume(producer))]);
      this.#update({ phase: 'in_room', error: null });
    } catch (error) {
      this.#update({ phase: 'failed', error: error instanceof Error ? error.message : 'media_setup_failed' });
    }
  }

  async #createTransport(device: Device, direction: 'send' | 'recv'): Promise<Transport> {
    const info: TransportInfo = await this.#request('createTransport', { direction });
    const options = {
      id: info.id,
      iceParameters: info.iceParameters as never,
      iceCandidates: info.iceCandidates as never,
      dtlsParameters: info.dtlsParameters as never,
      iceServers: this.#ticket?.iceServers ?? [],
      additionalSettings: this.#e2ee.peerConnectionSettings as Partial<RTCConfiguration>,
    };
    const transport = direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.#request('connectTransport', { transportId: transport.id, dtlsParameters: dtlsParameters }).then(() => {
        callback();
      }, errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        const source = appData.source === 'microphone' ? 'microphone' : 'camera';
        this.#request('produce', { transportId: transport.id, kind, rtpParameters: rtpParameters, appData: { e2ee: true, source } }).then(
          ({ producerId }) => {
            callback({ id: producerId });
          },
          errback,
        );
      });
    }
    transport.on('connectionstatechange', (state) => {
      // ICE restart (RFC 8445 §9) keeps the room and the transports after a path change;
      // only when a restart did not bring the transport back is the media rebuilt.
      if (state === 'connected') this.#iceRestarted.delete(transport.id);
      if (state === 'disconnected' || state === 'failed') void this.#restartIce(transport, state === 'failed');
    });
    return transport;
  }

  async #restartIce(transport: Transport, failed: boolean): Promise<void> {
    if (this.#socket?.connected !== true || transport.closed) return;
    if (failed && this.#iceRestarted.has(transport.id)) {
      // Restarted already and failed again: rebuild transports and media (same seat).
      this.#rejoinMedia();
      return;
    }
    this.#iceRestarted.add(transport.id);
    try {
      const { iceParameters } = await this.#request('restartIce', { transportId: transport.id });
      await transport.restartIce({ iceParameters: iceParameters as never });
    } catch {
      // The SFU lost the transport: rebuild. A dropped socket is handled by the reconnect path.
      // (Read again after the await: the socket or the transport may have gone meanwhile.)
      if (this.#connected() && !this.#isClosed(transport)) this.#rejoinMedia();
    }
  }

  #connected(): boolean {
    return this.#socket?.connected === true;
  }

  #isClosed(transport: Transport): boolean {
    return transport.closed;
  }

  /** Full rejoin of the media (after a failed ICE restart or a media-server restart); the seat stays. */
  #rejoinMedia(): void {
    this.#teardownMedia();
    this.#update({ phase: 'reconnecting', reconnects: this.#state.reconnects + 1 });
    void this.#join();
  }

  async #produceAll(): Promise<void> {
    const device = this.#device;
    const transport = this.#sendTransport;
    if (device === null || transport === null) return;
    for (const track of this.#options.localStream.getTracks()) {
      const kind = track.kind === 'audio' ? 'audio' : 'video';
      const producer = await transport.produce({
        track,
        stopTracks: false,
        ...(kind === 'video' ? { codec: pickVp8(device) } : {}),
        appData: { source: kind === 'audio' ? 'microphone' : 'camera' },
        // Before negotiation, so not a single frame leaves unencrypted.
        onRtpSender: (sender) => {
          this.#e2ee.attachSender(sender, kind);
        },
      });
      this.#producers.set(producer.id, producer);
    }
  }

  async #consume(producer: ProducerInfo): Promise<void> {
    const device = this.#device;
    const transport = this.#recvTransport;
    if (device === null || transport === null) {
      // Still joining: consume it once the receive transport exists.
      this.#pendingProducers.push(producer);
      return;
    }
    const peer = this.#peers.get(producer.peerId);
    if (peer === undefined || this.#consumedProducers.has(producer.producerId)) return;
    this.#consumedProducers.add(producer.producerId);
    try {
      const info: ConsumerInfo = await this.#request('consume', {
        transportId: transport.id,
        producerId: producer.producerId,
        rtpCapabilities: device.recvRtpCapabilities,
      });
      const consumer = await transport.consume({
        id: info.consumerId,
        producerId: info.producerId,
        kind: info.kind,
        rtpParameters: info.rtpParameters as never,
        onRtpReceiver: (receiver) => {
          this.#e2ee.attachReceiver(receiver, peer.userId, info.kind);
        },
      });
      this.#consumers.set(consumer.id, consumer);
      // Resume (which makes the SFU ask the sender for a key frame) only once the sender's
      // media key is here; without it every frame would be dropped until the next key frame.
      await this.#e2ee.waitForKey(peer.userId, KEY_WAIT_MS);
      await this.#request('resumeConsumer', { consumerId: consumer.id });
      this.#addRemoteTrack(peer, consumer.track);
    } catch {
      // The producer went away meanwhile; newProducer will announce replacements.
      this.#consumedProducers.delete(producer.producerId);
    }
  }

  #markReconnecting(peer: PeerInfo): void {
    clearTimeout(this.#reconnectingTimers.get(peer.userId));
    this.#reconnectingTimers.set(
      peer.userId,
      setTimeout(() => {
        this.#clearReconnecting(peer.userId);
      }, RECONNECTING_TILE_MS),
    );
    const others = this.#state.reconnectingPeers.filter((other) => other.userId !== peer.userId);
    this.#update({ reconnectingPeers: [...others, peer] });
  }

  #clearReconnecting(userId: string): void {
    clearTimeout(this.#reconnectingTimers.get(userId));
    this.#reconnectingTimers.delete(userId);
    if (this.#state.reconnectingPeers.some((peer) => peer.userId === userId)) {
      this.#update({ reconnectingPeers: this.#state.reconnectingPeers.filter((peer) => peer.userId !== userId) });
    }
  }

  #addRemoteTrack(peer: PeerInfo, track: MediaStreamTrack): void {
    this.#clearReconnecting(peer.userId);
    const existing = this.#state.remotes.find((remote) => remote.peerId === peer.peerId);
    if (existing !== undefined) {
      // A new stream object, so the <video> rebinds (a track added to a playing stream may not show).
      const kept = existing.stream.getTracks().filter((old) => old.kind !== track.kind);
      const updated: RemoteParticipant = { ...existing, stream: new MediaStream([...kept, track]) };
      this.#update({ remotes: this.#state.remotes.map((remote) => (remote === existing ? updated : remote)) });
      return;
    }
    const remote: RemoteParticipant = { peerId: peer.peerId, userId: peer.userId, role: peer.role, stream: new MediaStream([track]), reconnecting: false };
    this.#update({ remotes: [...this.#state.remotes, remote] });
  }

  #dropConsumer(consumerId: string): void {
    const consumer = this.#consumers.get(consumerId);
    if (consumer === undefined) return;
    consumer.close();
    this.#consumers.delete(consumerId);
    this.#videoWatches.delete(consumerId);
    for (const remote of this.#state.remotes) {
      if (remote.stream.getTracks().includes(consumer.track)) remote.stream.removeTrack(consumer.track);
    }
    this.#update({ remotes: this.#state.remotes.filter((remote) => remote.stream.getTracks().length > 0) });
  }

  #teardownMedia(): void {
    for (const consumer of this.#consumers.values()) consumer.close();
    for (const producer of this.#producers.values()) producer.close();
    this.#consumers.clear();
    this.#producers.clear();
    this.#consumedProducers.clear();
    this.#sendTransport?.close();
    this.#recvTransport?.close();
    this.#sendTransport = null;
    this.#recvTransport = null;
    this.#iceRestarted.clear();
    this.#videoWatches.clear();
    this.#lastSample = null;
    if (this.#state.remotes.length > 0) this.#update({ remotes: [] });
  }

  /**
   * Marks a remote participant as reconnecting while no bytes of their video arrive (their
   * network dropped; the SFU keeps their seat), and clears it when media flows again; asks
   * for key frames while stalled, on resuming, and while bytes arrive but nothing decodes.
   */
  async #checkStalls(): Promise<void> {
    if (this.#state.phase !== 'in_room') return;
    const now = Date.now();
    const stalledTracks = new Set<MediaStreamTrack>();
    for (const consumer of this.#consumers.values()) {
      if (consumer.kind !== 'video' || consumer.closed || consumer.paused) continue;
      const counters: VideoCounters = { bytesReceived: 0, framesDecoded: 0 };
      const stats = await consumer.getStats();
      stats.forEach((report: { type?: string; bytesReceived?: number; framesDecoded?: number }) => {
        if (report.type !== 'inbound-rtp') return;
        counters.bytesReceived += report.bytesReceived ?? 0;
        counters.framesDecoded += report.framesDecoded ?? 0;
      });
      const verdict = watchVideo(this.#videoWatches.get(consumer.id), counters, now);
      this.#videoWatches.set(consumer.id, verdict.watch);
      if (verdict.stalled) stalledTracks.add(consumer.track);
      if (verdict.askKeyFrame) this.#askKeyFrame(consumer.id);
    }
    const before = this.#state.remotes;
    const remotes = before.map((remote) => {
      const reconnecting = remote.stream.getVideoTracks().some((track) => stalledTracks.has(track));
      return reconnecting === remote.reconnecting ? remote : { ...remote, reconnecting };
    });
    if (remotes.some((remote, index) => remote !== before[index])) this.#update({ remotes });
  }

  #askKeyFrame(consumerId: string): void {
    this.#request('requestKeyFrame', { consumerId }).catch(() => {
      // The consumer closed meanwhile, or the socket dropped (a rejoin resumes fresh consumers).
    });
  }

  async #sampleNetwork(): Promise<void> {
    if (this.#socket?.connected !== true) {
      this.#update({ network: 'offline' });
      return;
    }
    const transport = this.#recvTransport ?? this.#sendTransport;
    if (transport === null || transport.closed) return;
    let rtt: number | null = null;
    let packetsReceived = 0;
    let packetsLost = 0;
    const stats = await transport.getStats();
    stats.forEach((report: { type?: string; state?: string; nominated?: boolean; currentRoundTripTime?: number; packetsReceived?: number; packetsLost?: number }) => {
      if (report.type === 'candidate-pair' && report.nominated === true && report.currentRoundTripTime !== undefined) {
        rtt = report.currentRoundTripTime;
      }
      if (report.type === 'inbound-rtp') {
        packetsReceived += report.packetsReceived ?? 0;
        packetsLost += report.packetsLost ?? 0;
      }
    });
    const sample: TransportSample = { rttSeconds: rtt, packetsReceived, packetsLost };
    this.#update({ network: classifyNetwork(this.#lastSample, sample) });
    this.#lastSample = sample;
  }

  /** Provider only: lets a waiting patient in (the SFU asks the API about consent and licence). */
  async admit(peerId: string): Promise<void> {
    await this.#request('admit', { peerId });
  }

  /**
   * Provider only: removes the guest whose invitation id is `guestId` (after the API
   * withdrew the invitation), waiting or in the consult. Resolves false when they are not here.
   */
  async removeGuest(guestId: string): Promise<boolean> {
    const peerId =
      [...this.#peers.values()].find((peer) => peer.userId === guestId && peer.role === 'guest')?.peerId ??
      this.#state.waiting.find((peer) => peer.userId === guestId && peer.role === 'guest')?.peerId;
    if (peerId === undefined) return false;
    await this.#request('removeGuest', { peerId });
    return true;
  }

  /** The people compared the SAS: a match shows "Verified" until a key changes; both are audited. */
  async confirmSas(match: boolean): Promise<void> {
    if (match) this.#e2ee.markVerified();
    await this.reportE2eeState(match ? 'sas_verified' : 'sas_mismatch');
  }

  /** The E2EE session, for features that use its keys (the E2EE chat). */
  get e2ee(): E2eeSession {
    return this.#e2ee;
  }

  /** Provider only, after the API recorded the outcome: closes the room for everyone. */
  async endVisit(outcome: VisitEndOutcome): Promise<void> {
    await this.#request('endVisit', { outcome });
  }

  /** Sends an end-to-end encrypted chat message to everyone in the consult. */
  async sendChat(text: string): Promise<void> {
    await this.#chat.send(text);
  }

  /**
   * Sends `track` instead of the current one of its kind (another camera). The old producer
   * is closed and a new one made, with its own encryption transform attached before
   * negotiation (RTCRtpSender.replaceTrack under an encoded transform froze the picture in
   * Chromium). The caller swaps the track into the local stream, so reconnects use it too.
   */
  async replaceTrack(track: MediaStreamTrack): Promise<void> {
    const device = this.#device;
    const transport = this.#sendTransport;
    if (device === null || transport === null) return;
    for (const [id, producer] of this.#producers) {
      if (producer.kind !== track.kind) continue;
      producer.close();
      this.#producers.delete(id);
      await this.#request('closeProducer', { producerId: id }).catch(() => undefined);
    }
    const kind = track.kind === 'audio' ? 'audio' : 'video';
    const producer = await transport.produce({
      track,
      stopTracks: false,
      ...(kind === 'video' ? { codec: pickVp8(device) } : {}),
      appData: { source: kind === 'audio' ? 'microphone' : 'camera' },
      onRtpSender: (sender) => {
        this.#e2ee.attachSender(sender, kind);
      },
    });
    this.#producers.set(producer.id, producer);
  }

  /** Tells the audit trail an E2EE milestone (never the SAS itself). */
  async reportE2eeState(state: 'keys_exchanged' | 'sas_verified' | 'sas_mismatch' | 'failed'): Promise<void> {
    try {
      await this.#request('reportE2eeState', { state });
    } catch {
      // Best effort: the media path does not depend on the audit report.
    }
  }

  /** Leaves the room and releases everything. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      if (this.#socket?.connected === true && !this.#ending) await this.#request('leave', {});
    } catch {
      // Leaving anyway.
    }
    this.#closed = true;
    for (const timer of this.#reconnectingTimers.values()) clearTimeout(timer);
    window.removeEventListener('online', this.#onOnline);
    if (this.#networkTimer !== null) clearInterval(this.#networkTimer);
    if (this.#heartbeatTimer !== null) clearInterval(this.#heartbeatTimer);
    if (this.#stallTimer !== null) clearInterval(this.#stallTimer);
    if (this.#placementTimer !== null) clearInterval(this.#placementTimer);
    this.#teardownMedia();
    this.#socket?.disconnect();
    this.#e2ee.close();
    this.#state = { ...this.#state, phase: 'ended' };
    for (const listener of this.#listeners) listener(this.#state);
    this.#listeners.clear();
  }

  #update(patch: Partial<RoomState>): void {
    if (this.#closed) return;
    this.#state = { ...this.#state, ...patch };
    for (const listener of this.#listeners) listener(this.#state);
  }
}
