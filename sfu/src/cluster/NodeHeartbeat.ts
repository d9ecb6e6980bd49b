import { SFU_HEARTBEAT_MS, SFU_NODE_KEY_PREFIX, SFU_NODE_ROOMS_PREFIX, SFU_NODE_SET_KEY, SFU_NODE_TTL_MS } from '@medspa/shared-types';
import type { SfuNodeRecord } from '@medspa/shared-types';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface NodeHeartbeatOptions {
  redisUrl: string;
  nodeId: string;
  /** Signaling URL browsers use for this node. */
  publicUrl: string;
  load: () => { rooms: number; peers: number };
  logger: Logger;
}

/**
 * Registers this SFU node in Redis and keeps its record alive (shared-types sfuCluster.ts).
 * The record expires SFU_NODE_TTL_MS after the last beat, so a killed node (no chance to
 * deregister) drops out of placement within that time, and the API moves its rooms.
 */
export class NodeHeartbeat {
  readonly #redis: Redis;
  readonly #options: NodeHeartbeatOptions;
  readonly #timer: NodeJS.Timeout;
  #stopped = false;

  private constructor(options: NodeHeartbeatOptions) {
    this.#options = options;
    this.#redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1 });
    this.#redis.on('error', (error: Error) => {
      options.logger.warn({ reason: error.message }, 'redis connection problem');
    });
    this.#timer = setInterval(() => {
      void this.#beat();
    }, SFU_HEARTBEAT_MS);
    this.#timer.unref();
  }

  /** Registers the node (first beat awaited, so placement can use it at once). */
  static async start(options: NodeHeartbeatOptions): Promise<NodeHeartbeat> {
    const heartbeat = new NodeHeartbeat(options);
    await heartbeat.#beat(true);
    return heartbeat;
  }

  async #beat(throwOnFailure = false): Promise<void> {
    if (this.#stopped) return;
    const { nodeId, publicUrl, load } = this.#options;
    const record: SfuNodeRecord = { id: nodeId, url: publicUrl, ...load(), at: Date.now() };
    try {
      await this.#redis
        .multi()
        .set(`${SFU_NODE_KEY_PREFIX}${nodeId}`, JSON.stringify(record), 'PX', SFU_NODE_TTL_MS)
        .sadd(SFU_NODE_SET_KEY, nodeId)
        .exec();
    } catch (error) {
      if (throwOnFailure) throw error;
      this.#options.logger.warn({ reason: (error as Error).message }, 'sfu heartbeat failed');
    }
  }

  /** Forgets a closed room's placement, so the node's load counts only live rooms. */
  roomClosed(roomId: string): void {
    void this.#redis.srem(`${SFU_NODE_ROOMS_PREFIX}${this.#options.nodeId}`, roomId).catch(() => undefined);
  }

  /** Deregisters (a graceful stop): placement moves its rooms at once instead of after the TTL. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    const { nodeId } = this.#options;
    await this.#redis.multi().del(`${SFU_NODE_KEY_PREFIX}${nodeId}`).srem(SFU_NODE_SET_KEY, nodeId).exec().catch(() => undefined);
    await this.#redis.quit().catch(() => undefined);
  }
}
