import { STORE_FIRST_LUA } from './job-store.ts';
import { TRANSACTION_SUFFIX } from './keys.ts';
import { LuaScript } from './lua-script.ts';
import { BROADCAST_RESULT_LUA } from './socket-stream.ts';

/**
 * The drain's atomic steps, one round trip each (issue 9 item 5): a warm query costs the worker
 * BEGIN (or the previous COMPLETE) and COMPLETE, nothing else in Redis.
 *
 * Shared arguments: KEYS[1] mailbox, KEYS[2] draining flag, KEYS[3] backlog by room,
 * KEYS[4] backlog by engine, KEYS[5] room concurrency overrides;
 * ARGV[1] job key prefix, ARGV[2] room-active key prefix,
 * ARGV[3] session id, ARGV[4] now (ms), ARGV[5] lease (ms), ARGV[6] default room concurrency (0: no cap),
 * ARGV[7] name of the no-room group, ARGV[8] runs key prefix, ARGV[9] runs TTL (ms), ARGV[10] the drain's
 * owner token (the draining flag holds it: a drain whose token is not there no longer owns the session),
 * ARGV[11] drains-active key prefix (a set per engine of the sessions drained now: the backlog's "active").
 * Keys built from a prefix (job, room) are read from the items themselves; sqlfleet runs on one
 * Redis (not a cluster), where that is allowed.
 */
const TAKE = `
local now = tonumber(ARGV[4])
-- The drain owns the session (and a slot of its room) for the lease; renewed at every query and by
-- the drain's heartbeat (RENEW) while a query runs.
local function lease(room, engine)
  redis.call('SET', KEYS[2], ARGV[10], 'PX', ARGV[5])
  redis.call('ZADD', ARGV[2] .. room, now + tonumber(ARGV[5]), ARGV[3])
  redis.call('ZADD', ARGV[11] .. engine, now + tonumber(ARGV[5]), ARGV[3])
end
-- Marks a head running, counts its run, and says what it is
-- and how many earlier runs of it never ended (their worker died: the crash counter, issue 10).
local function take(head)
  local job = cjson.decode(head)
  local jobKey = ARGV[1] .. job.jobId
  local found = redis.call('HMGET', jobKey, 'state', 'payload')
  local state = found[1] or 'running'
  if state == 'queued' then
    redis.call('HSET', jobKey, 'state', 'running')
    state = 'running'
  end
  local payload, crashes = '', 0
  if state == 'done' or state == 'failed' then
    payload = found[2] or ''
  else
    local runs = ARGV[8] .. job.jobId
    crashes = redis.call('INCR', runs) - 1
    redis.call('PEXPIRE', runs, ARGV[9])
  end
  return {head, state, payload, crashes}
end
`;

/**
 * Starts a drain: the session's head, or 'empty', or 'defer' when the head's room already holds
 * its share of drains while other rooms have work (fairness, item 6).
 */
export const BEGIN = new LuaScript(`${TAKE}
local head = redis.call('LINDEX', KEYS[1], 0)
if not head then return {'empty'} end
-- Another drain holds the session (BullMQ handed its job on while it still runs): wait for its lease.
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[10] then return {'held', redis.call('PTTL', KEYS[2])} end
local headJob = cjson.decode(head)
local room = headJob.room or ARGV[7]
local active = ARGV[2] .. room
redis.call('ZREMRANGEBYSCORE', active, '-inf', now)
if not redis.call('ZSCORE', active, ARGV[3]) then
  local cap = tonumber(redis.call('HGET', KEYS[5], room) or ARGV[6])
  if cap > 0 and redis.call('ZCARD', active) >= cap then
    local total = 0
    for _, n in ipairs(redis.call('HVALS', KEYS[4])) do total = total + tonumber(n) end
    local mine = tonumber(redis.call('HGET', KEYS[3], room) or '0')
    if total - mine > 0 then return {'defer', room} end
  end
end
-- Leases of drains whose worker died run out there: cleared as the room's are.
redis.call('ZREMRANGEBYSCORE', ARGV[11] .. headJob.engine, '-inf', now)
lease(room, headJob.engine)
local taken = take(head)
return {'item', room, taken[1], taken[2], taken[3], taken[4]}
`);

/**
 * Finishes the query in hand and takes the next, in one step: stores its outcome unless one is
 * stored already (the first stored result wins), announces the stored one on the results channel
 * (with the payload when small, so a waiting API answers without reading it back) and, once a socket
 * listens to the session, to its sockets (the Socket.IO adapter's stream, see socket-stream.ts: every
 * API replica reads and decodes each entry, 13 % of its CPU at an exam start over HTTP), pops the head
 * if it is still the item that ran, marks the session used, then takes the next head or, when the
 * mailbox is empty, gives the session and the room slot up.
 * The run of the item ended with its worker alive: its run count and recorded transaction go.
 * A drain that lost the session to another (its lease ran out while it ran, and another drain took it)
 * still stores its outcome (first stored wins) but pops nothing and takes nothing: the holder goes on.
 * Extra: KEYS[6] session, KEYS[7] sessions by last use, KEYS[8] the Socket.IO stream; ARGV[12] the item as stored, ARGV[13] state
 * to store ('done' | 'failed'; '' stores nothing), ARGV[14] payload, ARGV[15] result TTL (ms),
 * ARGV[16] largest payload published inline, ARGV[17] results channel, ARGV[18] the drain's room,
 * ARGV[19] the worker that ran it ('' records nothing): the session's home, where its connection stays open;
 * ARGV[20] the stream's length, ARGV[21] the session's Socket.IO room.
 */
export const COMPLETE = new LuaScript(`${TAKE}${STORE_FIRST_LUA}${BROADCAST_RESULT_LUA}
local ran = cjson.decode(ARGV[12])
local holder = redis.call('GET', KEYS[2])
local owner = not holder or holder == ARGV[10]
-- The holder's run of the same job counts on: its run count and transaction record stay.
if owner then redis.call('DEL', ARGV[8] .. ran.jobId, ARGV[8] .. ran.jobId .. '${TRANSACTION_SUFFIX}') end
local state, payload = storeFirst(ARGV[1] .. ran.jobId, ARGV[13], ARGV[14], ARGV[15])
if state == 'done' or state == 'failed' then
  if #payload <= tonumber(ARGV[16]) then
    redis.call('PUBLISH', ARGV[17], ran.jobId .. '\\n' .. state .. '\\n' .. payload)
  else
    redis.call('PUBLISH', ARGV[17], ran.jobId)
  end
  -- Only to a session a socket listens to (SUBMIT and a watch mark it): every API replica reads the whole stream.
  if payload ~= '' and redis.call('HEXISTS', KEYS[6], 'sockets') == 1 then
    broadcastResult(KEYS[8], ARGV[20], ARGV[21], ran.jobId, ARGV[3], state, payload)
  end
else
  state, payload = '', ''
end
if not owner then return {state, payload, '', '', '', '', 'lost'} end
if redis.call('LINDEX', KEYS[1], 0) == ARGV[12] then
  redis.call('LPOP', KEYS[1])
  redis.call('HINCRBY', KEYS[3], ran.room or ARGV[7], -1)
  redis.call('HINCRBY', KEYS[4], ran.engine, -1)
end
if redis.call('EXISTS', KEYS[6]) == 1 then
  redis.call('HSET', KEYS[6], 'lastUsedAt', ARGV[4])
  if ARGV[19] ~= '' then redis.call('HSET', KEYS[6], 'home', ARGV[19]) end
  redis.call('ZADD', KEYS[7], 'XX', now, ARGV[3])
end
local head = redis.call('LINDEX', KEYS[1], 0)
if not head then
  redis.call('DEL', KEYS[2])
  redis.call('ZREM', ARGV[2] .. ARGV[18], ARGV[3])
  redis.call('ZREM', ARGV[11] .. ran.engine, ARGV[3])
  return {state, payload}
end
lease(ARGV[18], ran.engine)
local taken = take(head)
return {state, payload, taken[1], taken[2], taken[3], taken[4]}
`);

/**
 * Gives a session up mid-drain (stopping, a retry, a failure): clears the draining flag and the
 * room slot, unless another drain holds them now; the run of the item in hand ended with its worker
 * alive. KEYS[1] mailbox, KEYS[2] draining flag, KEYS[3] room-active set, KEYS[4] the item's run
 * count, KEYS[5] the engine's drains-active set; ARGV[1] session id, ARGV[2] the drain's owner token.
 * Returns the queries still waiting, so the caller can hand them to another drain.
 */
export const RELEASE = new LuaScript(`
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('DEL', KEYS[4])
return redis.call('LLEN', KEYS[1])
`);

/**
 * The drain's heartbeat while a query runs: extends its lease on the session and its room slot if it
 * still holds them (1), or says it does not (0). KEYS[1] draining flag, KEYS[2] room-active set,
 * KEYS[3] the engine's drains-active set;
 * ARGV[1] session id, ARGV[2] owner token, ARGV[3] now (ms), ARGV[4] lease (ms).
 */
export const RENEW = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[2] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], 'XX', tonumber(ARGV[3]) + tonumber(ARGV[4]), ARGV[1])
redis.call('ZADD', KEYS[3], 'XX', tonumber(ARGV[3]) + tonumber(ARGV[4]), ARGV[1])
return 1
`);
