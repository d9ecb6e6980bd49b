import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';

export interface WorkerPoolSettings {
  size: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  logger: Logger;
  /** Called after a dead worker has been replaced, so its rooms can be rebuilt on the new one. */
  onWorkerReplaced: (dead: types.Worker, replacement: types.Worker) => void;
}

/** Wait between attempts to start a replacement worker that failed to start. */
const RESPAWN_RETRY_MS = 1000;

/**
 * One mediasoup worker (a C++ process, single threaded) per slot, usually one per core.
 * Rooms are placed on the least loaded worker. A worker that dies is replaced in its slot and
 * the owner is told, so the rooms it hosted can be re-created (house rule 7, docs/house-rules.md: the pool
 * keeps a Map of its children and close() cascades).
 */
export class WorkerPool {
  readonly #settings: WorkerPoolSettings;
  readonly #workers = new Map<number, types.Worker>();
  /** Rooms currently placed on each worker. */
  readonly #load = new Map<types.Worker, number>();
  #closed = false;

  private constructor(settings: WorkerPoolSettings) {
    this.#settings = settings;
  }

  /** Starts every worker; resolves once all are running. */
  static async start(settings: WorkerPoolSettings): Promise<WorkerPool> {
    const pool = new WorkerPool(settings);
    try {
      await Promise.all(Array.from({ length: settings.size }, (_, slot) => pool.#spawn(slot)));
    } catch (error) {
      pool.close();
      throw error;
    }
    return pool;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Process ids of the running workers, by slot. */
  get pids(): number[] {
    return [...this.#workers.values()].map((worker) => worker.pid);
  }

  /** Reserves the least loaded worker for a new room; pair with release(). */
  acquire(): types.Worker {
    let best: types.Worker | undefined;
    for (const worker of this.#workers.values()) {
      if (worker.closed) continue;
      if (best === undefined || (this.#load.get(worker) ?? 0) < (this.#load.get(best) ?? 0)) {
        best = worker;
      }
    }
    if (best === undefined) {
      throw new Error('no mediasoup worker available');
    }
    this.#load.set(best, (this.#load.get(best) ?? 0) + 1);
    return best;
  }

  /** Returns a room's reservation. */
  release(worker: types.Worker): void {
    const load = this.#load.get(worker);
    if (load !== undefined) {
      this.#load.set(worker, Math.max(0, load - 1));
    }
  }

  /** Stops every worker. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const worker of this.#workers.values()) {
      worker.close();
    }
    this.#workers.clear();
    this.#load.clear();
  }

  async #spawn(slot: number): Promise<types.Worker> {
    const { rtcMinPort, rtcMaxPort, logger } = this.#settings;
    const worker = await mediasoup.createWorker({ logLevel: 'warn', rtcMinPort, rtcMaxPort, appData: { slot } });
    if (this.#closed) {
      worker.close();
      throw new Error('worker pool closed while starting');
    }
    this.#workers.set(slot, worker);
    this.#load.set(worker, 0);
    worker.on('died', (error) => {
      logger.error({ slot, pid: worker.pid, reason: error.message }, 'mediasoup worker died');
      this.#load.delete(worker);
      this.#workers.delete(slot);
      void this.#replace(slot, worker);
    });
    logger.info({ slot, pid: worker.pid }, 'mediasoup worker started');
    return worker;
  }

  async #replace(slot: number, dead: types.Worker): Promise<void> {
    while (!this.#closed) {
      try {
        const replacement = await this.#spawn(slot);
        this.#settings.onWorkerReplaced(dead, replacement);
        return;
      } catch (error) {
        this.#settings.logger.error({ slot, reason: (error as Error).message }, 'replacement worker failed to start; retrying');
        await new Promise((resolve) => setTimeout(resolve, RESPAWN_RETRY_MS));
      }
    }
  }
}
