import { LuaScript } from './lua-script.ts';

/**
 * Everything an API replica checks and writes to accept a query, in one round trip (issue 9 item 5): the
 * client's rate, the fleet's backlog ceiling, for a new session its schema (stored first) and the client's
 * sessions ceiling before it is created, the session (exists, same engine), its pending ceiling, the schema
 * (kept alive; a new fingerprint's must be stored first), then the job record, the mailbox push, the
 * backlog counters and the session's last use (and, for a query sent over a socket, that a socket listens
 * to the session: see COMPLETE). A new session's first query used to take four round trips (rate, session
 * count, create, submit): at an exam start the API sent them as four waves of a thousand commands each,
 * and the workers had nothing to do for the first second.
 * The job is sent without what the session decides (fingerprint, room) and completed here.
 *
 * KEYS[1] session, [2] mailbox, [3] job, [4] backlog by room, [5] backlog by engine,
 * [6] sessions by last use, [7] draining flag, [8] rate counter, [9] room priorities, [10] worker heartbeats,
 * [11] turn counter for homes, [12] arrival counter of the home queues, [13] the client's sessions.
 * ARGV[1] session id, [2] engine, [3] job JSON, [4] fingerprint ('' keeps the session's),
 * [5] room ('' keeps the session's), [6] rate limit (0: none), [7] rate window (ms),
 * [8] backlog ceiling, [9] pending ceiling, [10] schema key prefix, [11] schema TTL (ms),
 * [12] job TTL (ms), [13] now (ms), [14] default priority, [15] name of the no-room group,
 * [16] how old a worker's heartbeat may be for it to count as alive (ms), [17] home queue key prefix,
 * [18] a new session's fields as JSON ('': the session exists), [19] live sessions a client may hold.
 *
 * A job id already stored (a client's requestId sent again) adds nothing: {'DUPLICATE', session id}
 * when it is this session's, the refusal REQUEST_ID_TAKEN when another's. A new session is created only when
 * its schema is stored (else SCHEMA_MISSING: the caller stores it and sends the same again) and the client
 * holds fewer than its ceiling (else TOO_MANY_SESSIONS); sent again once created, it is not created twice.
 * Returns {'ok', needsDrain, priority, item as stored} or a refusal {code, detail}. A session no worker
 * drains now goes to a home: the worker that ran it last when it is alive (where the session's connection
 * is), else the next live worker of the engine in turn. It is added to that worker's home queue here, in
 * the same step (issue 9 item 5: no BullMQ job on a warm query's path); needsDrain is 1 only when no
 * worker of the engine is alive, and the caller then adds a drain job to the engine's shared queue.
 */
export const SUBMIT = new LuaScript(`
local known = redis.call('HGET', KEYS[3], 'sessionId')
if known then
  if known == ARGV[1] then return {'DUPLICATE', known} end
  return {'REQUEST_ID_TAKEN', ''}
end
if tonumber(ARGV[6]) > 0 then
  local count = redis.call('INCR', KEYS[8])
  if count == 1 then redis.call('PEXPIRE', KEYS[8], ARGV[7]) end
  if count > tonumber(ARGV[6]) then return {'RATE_LIMITED', count} end
end
local total = 0
for _, n in ipairs(redis.call('HVALS', KEYS[5])) do
  local v = tonumber(n)
  if v > 0 then total = total + v end
end
if total >= tonumber(ARGV[8]) then return {'QUEUE_FULL', total} end
if ARGV[18] ~= '' and redis.call('EXISTS', KEYS[1]) == 0 then
  if redis.call('EXISTS', ARGV[10] .. ARGV[4]) == 0 then return {'SCHEMA_MISSING', ARGV[4]} end
  if redis.call('SCARD', KEYS[13]) >= tonumber(ARGV[19]) then return {'TOO_MANY_SESSIONS', ARGV[19]} end
  local fields = {}
  for name, value in pairs(cjson.decode(ARGV[18])) do
    table.insert(fields, name)
    table.insert(fields, value)
  end
  redis.call('HSET', KEYS[1], unpack(fields))
  redis.call('ZADD', KEYS[6], ARGV[13], ARGV[1])
  redis.call('SADD', KEYS[13], ARGV[1])
end
local session = redis.call('HMGET', KEYS[1], 'engine', 'fingerprint', 'room')
if not session[1] then return {'SESSION_NOT_FOUND', ''} end
if session[1] ~= ARGV[2] then return {'SESSION_ENGINE_MISMATCH', session[1]} end
if redis.call('LLEN', KEYS[2]) >= tonumber(ARGV[9]) then return {'SESSION_BUSY', ''} end
local fingerprint = ARGV[4]
if fingerprint == '' then
  -- The session's own schema: kept alive if it is still there (a warm sandbox does not need it).
  fingerprint = session[2]
  redis.call('PEXPIRE', ARGV[10] .. fingerprint, ARGV[11])
elseif redis.call('PEXPIRE', ARGV[10] .. fingerprint, ARGV[11]) == 0 then
  return {'SCHEMA_MISSING', fingerprint}
end
if fingerprint ~= session[2] then redis.call('HSET', KEYS[1], 'fingerprint', fingerprint) end

local job = cjson.decode(ARGV[3])
-- A socket that submits listens on the session's room: the drains broadcast its results from now on.
if job.socketId then redis.call('HSET', KEYS[1], 'sockets', '1') end
job.fingerprint = fingerprint
local room = ARGV[5]
if room == '' then room = session[3] or '' end
if room ~= '' then job.room = room end
local raw = cjson.encode(job)
redis.call('HSET', KEYS[3], 'sessionId', ARGV[1], 'state', 'queued')
redis.call('PEXPIRE', KEYS[3], ARGV[12])
redis.call('RPUSH', KEYS[2], raw)
if room == '' then room = ARGV[15] end
redis.call('HINCRBY', KEYS[4], room, 1)
redis.call('HINCRBY', KEYS[5], ARGV[2], 1)
redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[13])
redis.call('ZADD', KEYS[6], 'XX', ARGV[13], ARGV[1])
local priority = tonumber(redis.call('HGET', KEYS[9], room) or ARGV[14])
local needsDrain = 1
if redis.call('EXISTS', KEYS[7]) == 1 then needsDrain = 0 end
local home = ''
local last = needsDrain == 1 and redis.call('HGET', KEYS[1], 'home')
if last then
  local beat = redis.call('HGET', KEYS[10], last)
  if beat and tonumber(ARGV[13]) - tonumber(cjson.decode(beat).at) <= tonumber(ARGV[16]) then home = last end
end
if needsDrain == 1 and home == '' then
  -- A session without a live home gets one in turn among the live workers of its engine, so sessions
  -- spread evenly over the workers' connection budgets instead of piling on whichever was free first.
  local live = {}
  local beats = redis.call('HGETALL', KEYS[10])
  for i = 1, #beats, 2 do
    local beat = cjson.decode(beats[i + 1])
    if tonumber(ARGV[13]) - tonumber(beat.at) <= tonumber(ARGV[16]) then
      for _, engine in ipairs(beat.engines or {}) do
        if engine == ARGV[2] then table.insert(live, beats[i]) end
      end
    end
  end
  if #live > 0 then
    table.sort(live)
    home = live[redis.call('INCR', KEYS[11]) % #live + 1]
  end
end
if home ~= '' then
  -- Served by priority (1 first); within it, sessions that have a sandbox before those that need one (a
  -- student's next query does not wait behind a burst of others' builds: at 600 unannounced students their
  -- p95 was 7 s); then in arrival order. The score stays an exact integer below 2^53 (priorities up to 2^21,
  -- one bit for the sandbox, arrivals counted modulo 2^31). NX: a session waits there once.
  local cold = 0
  if redis.call('HEXISTS', KEYS[1], 'sandbox') == 0 then cold = 1 end
  local score = ((priority - 1) * 2 + cold) * 2147483648 + redis.call('INCR', KEYS[12]) % 2147483648
  redis.call('ZADD', ARGV[17] .. ARGV[2] .. '@' .. home, 'NX', string.format('%.0f', score), ARGV[1])
  needsDrain = 0
end
return {'ok', needsDrain, priority, raw}
`);
