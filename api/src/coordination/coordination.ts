import { sfuNodeRecordSchema } from '@medspa/shared-types';
import type { Store } from 'express-rate-limit';
import { Redis } from 'ioredis';
import { RedisStore } from 'rate-limit-redis';
import type { Logger } from 'pino';
import { PLACE_ROOM_SCRIPT } from './placeRoomScript.js';

/** Where a room's media lives: the node id (cluster mode) and the URL browsers connect to. */
export interface RoomPlacement {
  nodeId: string | null;
  url: string | null;
}

/**
 * What API instances share (issue 12). With REDIS_URL unset, one process runs everything
 * in memory exactly as a single node always did; with it set, every instance sees the same
 * SFU nodes, room placements, rate-limit counters and export slots.
 */
export interface Coordination {
  readonly mode: 'in_process' | 'redis';
  /** Places (or finds) the room's SFU node; null when no node is alive. */
  placeRoom(roomId: string): Promise<RoomPlacement | null>;
  /** A rate-limit store shared by every instance, or undefined for express-rate-limit's memory store. */
  rateLimitStore(prefix: string): Store | undefined;
  /** Takes one of `limit` practice-wide slots (e.g. concurrent exports); false when all are taken. */
  acquireSlot(name: string, limit: number, holdMs: number): Promise<(() => Promise<void>) | false>;
  close(): Promise<void>;
}

/** How long a placement is remembered without a token request for the room. */
const PLACEMENT_TTL_SECONDS = 12 * 3600;

export interface CoordinationOptions {
  redisUrl: string | undefined;
  /** SFU_PUBLIC_URL: where the single in-process deployment's SFU listens. */
  singleSfuUrl: string | null;
  logger: Logger;
}

function inProcess(singleSfuUrl: string | null): Coordination {
  const slots = new Map<string, number>();
  return {
    mode: 'in_process',
    placeRoom: () => Promise.resolve({ nodeId: null, url: singleSfuUrl }),
    rateLimitStore: () => undefined,
    acquireSlot: (name, limit) => {
      const taken = slots.get(name) ?? 0;
      if (taken >= limit) return Promise.resolve(false);
      slots.set(name, taken + 1);
      let released = false;
      return Promise.resolve(() => {
        if (!released) {
          released = true;
          slots.set(name, (slots.get(name) ?? 1) - 1);
        }
        return Promise.resolve();
      });
    },
    close: () => Promise.resolve(),
  };
}

/**
 * Slot holders are members of a sorted set scored by their expiry, so a holder that crashed
 * without releasing frees its slot after `holdMs` instead of forever.
 */
const ACQUIRE_SLOT_SCRIPT = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[4])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`;

function withRedis(url: string, logger: Logger): Coordination {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
  redis.on('error', (error: Error) => {
    logger.warn({ reason: error.message }, 'redis connection problem');
  });
  let holders = 0;
  return {
    mode: 'redis',
    async placeRoom(roomId) {
      const result = (await redis.eval(PLACE_ROOM_SCRIPT, 0, roomId, PLACEMENT_TTL_SECONDS)) as [string, string] | null;
      if (result === null) return null;
      const record = sfuNodeRecordSchema.parse(JSON.parse(result[1]));
      return { nodeId: result[0], url: record.url };
    },
    rateLimitStore: (prefix) =>
      new RedisStore({
        prefix: `medspa:rl:${prefix}:`,
        sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<never>,
      }),
    async acquireSlot(name, limit, holdMs) {
      holders += 1;
      const member = `${process.pid}:${Date.now()}:${holders}`;
      const key = `medspa:slots:${name}`;
      const granted = await redis.eval(ACQUIRE_SLOT_SCRIPT, 1, key, Date.now(), limit, holdMs, member);
      if (granted !== 1) return false;
      return async () => {
        await redis.zrem(key, member);
      };
    },
    async close() {
      await redis.quit().catch(() => undefined);
    },
  };
}

/** Picks the coordination for this deployment: Redis when REDIS_URL is set. */
export function createCoordination({ redisUrl, singleSfuUrl, logger }: CoordinationOptions): Coordination {
  return redisUrl === undefined ? inProcess(singleSfuUrl) : withRedis(redisUrl, logger);
}
