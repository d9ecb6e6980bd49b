import { randomUUID } from 'node:crypto';
import type { PeerInfo, RoomRole, ServerToClientEvents } from '@medspa/shared-types';
import type { types } from 'mediasoup';
import { SignalingError } from '../signaling/SignalingError.js';
import type { MediaCounts } from './mediaLimits.js';

/**
 * lobby: connected, not yet asked to join; waiting: in the waiting room; admitted: in the
 * consult; reconnecting: an admitted peer whose connection dropped, seat kept for a grace period.
 */
export type PeerState = 'lobby' | 'waiting' | 'admitted' | 'reconnecting' | 'closed';

/** How a peer talks back to its browser (the socket, seen only through typed emits). */
export interface PeerChannel {
  emit: <E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>) => unknown;
  disconnect: () => unknown;
}

/**
 * One participant's connection to a room and the media objects it owns (house rule 7, docs/house-rules.md).
 * Identifiers only: the SFU never learns names or other PHI.
 */
export class Peer {
  readonly id: string = randomUUID();
  readonly userId: string;
  readonly role: RoomRole;
  readonly #channel: PeerChannel;
  #state: PeerState = 'lobby';
  #waitingSince: Date | undefined;
  readonly #transports = new Map<string, types.WebRtcTransport>();
  readonly #producers = new Map<string, types.Producer>();
  readonly #consumers = new Map<string, types.Consumer>();
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #releaseSeat: (() => void) | undefined;

  constructor(userId: string, role: RoomRole, channel: PeerChannel) {
    this.userId = userId;
    this.role = role;
    this.#channel = channel;
  }

  get state(): PeerState {
    return this.#state;
  }

  get info(): PeerInfo {
    return { peerId: this.id, userId: this.userId, role: this.role };
  }

  get waitingSince(): Date | undefined {
    return this.#waitingSince;
  }

  /** How many transports, producers and consumers the peer holds (for the media caps). */
  get mediaCounts(): MediaCounts {
    return { transport: this.#transports.size, producer: this.#producers.size, consumer: this.#consumers.size };
  }

  get producers(): types.Producer[] {
    return [...this.#producers.values()];
  }

  markWaiting(): void {
    if (this.#state === 'lobby') {
      this.#state = 'waiting';
      this.#waitingSince = new Date();
    }
  }

  markAdmitted(): void {
    if (this.#state !== 'closed') {
      this.#state = 'admitted';
      this.#waitingSince = undefined;
    }
  }

  /** Media requests are refused until the peer is in the consult. */
  assertAdmitted(): void {
    if (this.#state !== 'admitted') {
      throw new SignalingError('not_admitted', 'Wait until the provider admits you');
    }
  }

  send<E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    if (this.#state !== 'closed') {
      this.#channel.emit(event, ...args);
    }
  }

  addTransport(transport: types.WebRtcTransport): void {
    this.#transports.set(transport.id, transport);
    transport.observer.once('close', () => this.#transports.delete(transport.id));
  }

  transport(transportId: string): types.WebRtcTransport {
    const transport = this.#transports.get(transportId);
    if (transport === undefined) {
      throw new SignalingError('transport_not_found', 'No such transport');
    }
    return transport;
  }

  addProducer(producer: types.Producer): void {
    this.#producers.set(producer.id, producer);
    producer.observer.once('close', () => this.#producers.delete(producer.id));
  }

  producer(producerId: string): types.Producer {
    const producer = this.#producers.get(producerId);
    if (producer === undefined) {
      throw new SignalingError('producer_not_found', 'No such producer');
    }
    return producer;
  }

  hasProducer(producerId: string): boolean {
    return this.#producers.has(producerId);
  }

  addConsumer(consumer: types.Consumer): void {
    this.#consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => this.#consumers.delete(consumer.id));
  }

  consumer(consumerId: string): types.Consumer {
    const consumer = this.#consumers.get(consumerId);
    if (consumer === undefined) {
      throw new SignalingError('consumer_not_found', 'No such consumer');
    }
    return consumer;
  }

  /**
   * Drops every transport (mediasoup closes their producers and consumers with them) while the
   * peer keeps its place in the room, e.g. after the room's worker died.
   */
  closeMedia(): void {
    for (const transport of this.#transports.values()) {
      transport.close();
    }
    this.#transports.clear();
    this.#producers.clear();
    this.#consumers.clear();
  }

  /**
   * The connection dropped while in the consult: keep the seat (the others show
   * "reconnecting") and run `release` after `graceMs` unless the user comes back first
   * (their new connection replaces this peer, which releases the seat at once).
   */
  holdSeat(graceMs: number, release: () => void): void {
    if (this.#state !== 'admitted') return;
    this.#state = 'reconnecting';
    this.closeMedia();
    this.#releaseSeat = release;
    this.#graceTimer = setTimeout(() => {
      this.#release();
    }, graceMs);
  }

  #release(): void {
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    const release = this.#releaseSeat;
    this.#releaseSeat = undefined;
    release?.();
  }

  /** Leaves for good. Idempotent. */
  close(): void {
    if (this.#state === 'closed') return;
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    this.#releaseSeat = undefined;
    this.closeMedia();
    this.#state = 'closed';
  }

  /**
   * Ends the signaling connection; its disconnect handler closes the peer and reports the
   * leave. A seat held for a dropped connection has no connection left: it is released now.
   */
  disconnect(): void {
    if (this.#state === 'reconnecting') {
      this.#release();
      return;
    }
    this.#channel.disconnect();
  }
}
