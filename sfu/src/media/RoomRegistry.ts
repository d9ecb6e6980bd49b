import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { Room } from './Room.js';
import type { WorkerPool } from './WorkerPool.js';

/**
 * The rooms of this SFU by appointment id (house rule 7, docs/house-rules.md: the parent keeps a Map of its
 * children and close() cascades). A room is created when its first peer connects and closed
 * when its last peer leaves: nothing outlives the consult.
 */
export class RoomRegistry {
  readonly #pool: WorkerPool;
  readonly #logger: Logger;
  readonly #rooms = new Map<string, Room>();
  /** Rooms being created, so two first peers arriving together share one router. */
  readonly #pending = new Map<string, Promise<Room>>();
  #closed = false;

  /** Told when a room closes (cluster placement forgets it). */
  onRoomClosed: ((roomId: string) => void) | undefined;

  constructor(pool: WorkerPool, logger: Logger) {
    this.#pool = pool;
    this.#logger = logger;
  }

  /** Peers connected to every room of this node together (its load). */
  get peerCount(): number {
    let peers = 0;
    for (const room of this.#rooms.values()) peers += room.peerCount;
    return peers;
  }

  get size(): number {
    return this.#rooms.size;
  }

  get(roomId: string): Room | undefined {
    return this.#rooms.get(roomId);
  }

  /** The room for an appointment, creating it (and its router) on the least loaded worker. */
  async getOrCreate(roomId: string, practiceId: string): Promise<Room> {
    const existing = this.#rooms.get(roomId);
    if (existing !== undefined && !existing.closed) return existing;
    const pending = this.#pending.get(roomId);
    if (pending !== undefined) return pending;
    if (this.#closed) throw new Error('room registry closed');
    const creation = Room.create(roomId, practiceId, this.#pool.acquire(), (worker) => {
      this.#pool.release(worker);
    })
      .then((room) => {
        this.#rooms.set(roomId, room);
        this.#logger.info({ roomId, workerPid: room.worker.pid }, 'room opened');
        return room;
      })
      .finally(() => this.#pending.delete(roomId));
    this.#pending.set(roomId, creation);
    return creation;
  }

  /** Closes a room once nobody is left in it. */
  closeIfEmpty(room: Room): void {
    if (room.peerCount === 0) {
      room.close();
      if (this.#rooms.get(room.id) === room) this.#rooms.delete(room.id);
      this.#logger.info({ roomId: room.id }, 'room closed');
      this.onRoomClosed?.(room.id);
    }
  }

  /** Re-creates every room of a dead worker on a live one and tells their peers to reconnect. */
  async recoverFrom(dead: types.Worker): Promise<void> {
    const affected = [...this.#rooms.values()].filter((room) => room.worker === dead);
    await Promise.all(
      affected.map(async (room) => {
        try {
          await room.moveTo(this.#pool.acquire());
          this.#logger.warn({ roomId: room.id, workerPid: room.worker.pid }, 'room re-created after worker death');
        } catch (error) {
          this.#logger.error({ roomId: room.id, reason: (error as Error).message }, 'room could not be re-created');
          room.close();
          this.#rooms.delete(room.id);
        }
      }),
    );
  }

  /** Closes every room. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const room of this.#rooms.values()) room.close();
    this.#rooms.clear();
  }
}
