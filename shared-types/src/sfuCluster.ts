import { z } from 'zod';

/**
 * How SFU nodes and API instances coordinate through Redis (issue 12). Shared here so both
 * sides name the same keys. A room lives on exactly one node; the API places it.
 *
 * - `medspa:sfu:node:<id>`: the node's record (JSON SfuNodeRecord), set by the node's
 *   heartbeat with a TTL; a node whose record expired is dead.
 * - `medspa:sfu:nodes`: set of node ids that ever registered (pruned when found dead).
 * - `medspa:sfu:rooms:<id>`: set of room ids placed on the node (its placement load).
 * - `medspa:room-node:<roomId>`: the node id the room is placed on.
 */
export const SFU_NODE_KEY_PREFIX = 'medspa:sfu:node:';
export const SFU_NODE_SET_KEY = 'medspa:sfu:nodes';
export const SFU_NODE_ROOMS_PREFIX = 'medspa:sfu:rooms:';
export const ROOM_NODE_KEY_PREFIX = 'medspa:room-node:';

/** Heartbeat period and record lifetime: a killed node is seen dead within the TTL (< 3 s). */
export const SFU_HEARTBEAT_MS = 700;
export const SFU_NODE_TTL_MS = 2200;

/** Node ids appear in URLs and Redis keys: short, plain. */
export const sfuNodeIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/);

export const sfuNodeRecordSchema = z.object({
  id: sfuNodeIdSchema,
  /** Signaling URL browsers connect to (may carry a path prefix routed by the proxy). */
  url: z.string().min(1).max(512),
  /** Open rooms and connected peers, for operators (placement counts placed rooms). */
  rooms: z.number().int().min(0),
  peers: z.number().int().min(0),
  at: z.number().int(),
});
export type SfuNodeRecord = z.infer<typeof sfuNodeRecordSchema>;
