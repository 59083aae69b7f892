/**
 * Results reach the students' sockets through the stream of the Socket.IO Redis streams adapter,
 * which every API replica reads (resuming from its offset after a reconnect, and giving
 * connection-state recovery). The drain's COMPLETE script appends the result's entry itself, so a
 * worker needs no Socket.IO server of its own: no round trip of its own for the emit, and no
 * reading back of every result of the fleet (a worker's adapter read the whole stream, though it
 * never holds a socket: ~8 % of its CPU at 1,000 queries/s).
 *
 * The entry is what the adapter (@socket.io/redis-streams-adapter 0.3, socket.io-adapter's
 * ClusterAdapter) writes for `io.to(room).emit(event, ...args)`: a BROADCAST message (type 3) of an
 * EVENT packet (type 2) on the main namespace, in its plain-text encoding (`data` is JSON when the
 * packet holds no binary). apps/api/src/socket-results.int.test.ts checks it against the adapter.
 */

/** Entries the stream keeps (the adapter's own default, which the API's adapter is given too). */
export const SOCKET_STREAM_MAX_LEN = 10_000;

/**
 * Lua: `broadcastResult(stream, maxLen, room, jobId, sessionId, state, payload)` appends the
 * stored outcome as `query:result` (the result's JSON, as stored) or `query:failed`
 * (`{ jobId, sessionId, error }`) to the sockets of `room`. Strings are quoted by cjson.
 */
export const BROADCAST_RESULT_LUA = `
local function broadcastResult(stream, maxLen, room, jobId, sessionId, state, payload)
  local event
  if state == 'done' then
    event = '["query:result",' .. payload .. ']'
  else
    event = '["query:failed",{"jobId":' .. cjson.encode(jobId) .. ',"sessionId":' .. cjson.encode(sessionId)
      .. ',"error":' .. payload .. '}]'
  end
  local data = '{"packet":{"type":2,"data":' .. event .. ',"nsp":"/"},"opts":{"rooms":[' .. cjson.encode(room)
    .. '],"except":[],"flags":{}}}'
  -- The adapter ignores entries of its own uid only: this one is no adapter's.
  redis.call('XADD', stream, 'MAXLEN', '~', maxLen, '*', 'uid', 'sqlfleet-drain', 'nsp', '/', 'type', '3', 'data', data)
end
`;
