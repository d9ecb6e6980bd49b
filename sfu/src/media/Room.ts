import type { JoinResult, PeerInfo, ProducerInfo, ServerToClientEvents, VisitEndOutcome, WaitingPeer } from '@medspa/shared-types';
import type { types } from 'mediasoup';
import { ROUTER_MEDIA_CODECS } from './mediaCodecs.js';
import type { MediaCounts } from './mediaLimits.js';
import type { Peer } from './Peer.js';

/**
 * One consult: a mediasoup router for one appointment and the peers in it (house rule 7,
 * docs/house-rules.md). Admission is remembered per user for the room's lifetime, so a patient whose
 * connection drops, or whose media was lost with a worker, comes back without a second admit.
 */
export class Room {
  /** The appointment id. */
  readonly id: string;
  readonly practiceId: string;
  #worker: types.Worker;
  #router: types.Router;
  readonly #release: (worker: types.Worker) => void;
  readonly #peers = new Map<string, Peer>();
  readonly #admittedUsers = new Set<string>();
  #closed = false;

  private constructor(id: string, practiceId: string, worker: types.Worker, router: types.Router, release: (worker: types.Worker) => void) {
    this.id = id;
    this.practiceId = practiceId;
    this.#worker = worker;
    this.#router = router;
    this.#release = release;
  }

  /** Creates the room's router on the given worker; `release` returns the worker reservation. */
  static async create(id: string, practiceId: string, worker: types.Worker, release: (worker: types.Worker) => void): Promise<Room> {
    try {
      const router = await worker.createRouter({ mediaCodecs: ROUTER_MEDIA_CODECS, appData: { roomId: id } });
      return new Room(id, practiceId, worker, router, release);
    } catch (error) {
      release(worker);
      throw error;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  get worker(): types.Worker {
    return this.#worker;
  }

  get router(): types.Router {
    return this.#router;
  }

  get peerCount(): number {
    return this.#peers.size;
  }

  /** Media objects held by every peer of the room together (for the media caps). */
  get mediaCounts(): MediaCounts {
    const total: MediaCounts = { transport: 0, producer: 0, consumer: 0 };
    for (const peer of this.#peers.values()) {
      const counts = peer.mediaCounts;
      total.transport += counts.transport;
      total.producer += counts.producer;
      total.consumer += counts.consumer;
    }
    return total;
  }

  /** Adds a peer; returns the peer the same user had in the room before (to be replaced), if any. */
  addPeer(peer: Peer): Peer | undefined {
    const previous = this.peerOfUser(peer.userId);
    this.#peers.set(peer.id, peer);
    return previous;
  }

  removePeer(peer: Peer): void {
    this.#peers.delete(peer.id);
  }

  peer(peerId: string): Peer | undefined {
    return this.#peers.get(peerId);
  }

  peerOfUser(userId: string): Peer | undefined {
    return [...this.#peers.values()].find((peer) => peer.userId === userId);
  }

  admittedPeers(): Peer[] {
    return [...this.#peers.values()].filter((peer) => peer.state === 'admitted');
  }

  wasAdmitted(userId: string): boolean {
    return this.#admittedUsers.has(userId);
  }

  /** Forgets a user's admission (a removed guest must be admitted again, which the API then refuses). */
  forgetAdmission(userId: string): void {
    this.#admittedUsers.delete(userId);
  }

  /** Lets a peer into the consult (after the provider admitted it, or a provider joining). */
  admit(peer: Peer): void {
    this.#admittedUsers.add(peer.userId);
    peer.markAdmitted();
  }

  waitingList(): WaitingPeer[] {
    return [...this.#peers.values()]
      .filter((peer) => peer.state === 'waiting')
      .map((peer) => ({ ...peer.info, waitingSince: (peer.waitingSince ?? new Date()).toISOString() }));
  }

  producers(except?: Peer): ProducerInfo[] {
    return this.admittedPeers()
      .filter((peer) => peer !== except)
      .flatMap((peer) =>
        peer.producers.filter((producer) => !producer.closed).map((producer) => ({ producerId: producer.id, peerId: peer.id, kind: producer.kind })),
      );
  }

  findProducer(producerId: string): { peer: Peer; producer: types.Producer } | undefined {
    for (const peer of this.admittedPeers()) {
      if (peer.hasProducer(producerId)) {
        return { peer, producer: peer.producer(producerId) };
      }
    }
    return undefined;
  }

  /** What an admitted peer needs to start media: capabilities, who is here, what they send. */
  admittedView(peer: Peer): JoinResult {
    const peers: PeerInfo[] = this.admittedPeers()
      .filter((other) => other !== peer)
      .map((other) => other.info);
    return {
      status: 'admitted',
      routerRtpCapabilities: this.#router.rtpCapabilities,
      peers,
      producers: this.producers(peer),
    };
  }

  /** Sends an event to every admitted peer except one. */
  broadcast<E extends keyof ServerToClientEvents>(except: Peer | undefined, event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    for (const peer of this.admittedPeers()) {
      if (peer !== except) {
        peer.send(event, ...args);
      }
    }
  }

  /** Tells every admitted provider who is waiting now. */
  publishWaitingList(): void {
    const waiting = this.waitingList();
    for (const peer of this.admittedPeers()) {
      if (peer.role === 'provider') {
        peer.send('waitingRoom', { waiting });
      }
    }
  }

  /**
   * Re-creates the router on another worker after the room's worker died. Every peer's media
   * is gone with the old worker; peers keep their place and admission and are told to
   * reconnect their media.
   */
  async moveTo(worker: types.Worker): Promise<void> {
    for (const peer of this.#peers.values()) {
      peer.closeMedia();
    }
    const router = await worker.createRouter({ mediaCodecs: ROUTER_MEDIA_CODECS, appData: { roomId: this.id } });
    if (this.#closed) {
      router.close();
      return;
    }
    this.#release(this.#worker);
    this.#worker = worker;
    this.#router = router;
    for (const peer of this.admittedPeers()) {
      peer.send('reconnectRequired', { reason: 'media_server_restarted' });
    }
  }

  /**
   * The provider ended the visit: everyone (in the consult, waiting or reconnecting) is told,
   * then every connection is closed; the last one leaving closes the room.
   */
  endVisit(outcome: VisitEndOutcome): void {
    const everyone = [...this.#peers.values()];
    for (const peer of everyone) peer.send('visitEnded', { outcome });
    // After the current tick, so the provider's ack and the notices leave before the sockets close.
    setImmediate(() => {
      for (const peer of everyone) peer.disconnect();
    });
  }

  /** Closes every peer and the router. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const peer of this.#peers.values()) {
      peer.close();
    }
    this.#peers.clear();
    this.#router.close();
    this.#release(this.#worker);
  }
}
