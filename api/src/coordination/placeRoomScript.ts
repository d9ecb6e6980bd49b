import { ROOM_NODE_KEY_PREFIX, SFU_NODE_KEY_PREFIX, SFU_NODE_ROOMS_PREFIX, SFU_NODE_SET_KEY } from '@medspa/shared-types';

/**
 * Places a room on an SFU node, atomically for every API instance (Redis runs a script as
 * one step). Keeps the room where it is while that node's heartbeat record lives; otherwise
 * picks the live node with the fewest placed rooms (ties by id, so placement is
 * deterministic), prunes dead nodes it meets, and records the choice.
 * KEYS: none (standalone Redis; key names are built from the shared prefixes).
 * ARGV[1] room id, ARGV[2] placement lifetime in seconds.
 * Returns [nodeId, nodeRecordJson] or nil when no node is alive.
 */
export const PLACE_ROOM_SCRIPT = `
local roomId = ARGV[1]
local ttl = tonumber(ARGV[2])
local roomKey = '${ROOM_NODE_KEY_PREFIX}' .. roomId
local current = redis.call('GET', roomKey)
if current then
  local record = redis.call('GET', '${SFU_NODE_KEY_PREFIX}' .. current)
  if record then
    redis.call('EXPIRE', roomKey, ttl)
    return {current, record}
  end
end
local best, bestRecord, bestCount = nil, nil, nil
for _, id in ipairs(redis.call('SMEMBERS', '${SFU_NODE_SET_KEY}')) do
  local record = redis.call('GET', '${SFU_NODE_KEY_PREFIX}' .. id)
  if record then
    local count = redis.call('SCARD', '${SFU_NODE_ROOMS_PREFIX}' .. id)
    if bestCount == nil or count < bestCount or (count == bestCount and id < best) then
      best, bestRecord, bestCount = id, record, count
    end
  else
    redis.call('SREM', '${SFU_NODE_SET_KEY}', id)
    redis.call('DEL', '${SFU_NODE_ROOMS_PREFIX}' .. id)
  end
end
if not best then return nil end
if current then redis.call('SREM', '${SFU_NODE_ROOMS_PREFIX}' .. current, roomId) end
redis.call('SET', roomKey, best, 'EX', ttl)
redis.call('SADD', '${SFU_NODE_ROOMS_PREFIX}' .. best, roomId)
return {best, bestRecord}
`;
