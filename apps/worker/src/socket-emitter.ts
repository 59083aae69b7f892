import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { ClientToServerEvents, ServerToClientEvents } from '@sqlfleet/contracts';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';

/**
 * A Socket.IO server that never listens: emitting to a room through it reaches sockets on
 * every API replica via the Redis streams adapter (FIELD-NOTES: the redis-emitter package
 * works only with the pub/sub adapter).
 */
export function createSocketEmitter(
  redis: Redis,
  streamName: string,
): {
  io: Server<ClientToServerEvents, ServerToClientEvents>;
  close: () => void;
} {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>({
    adapter: createAdapter(redis, { streamName }),
  });
  // io.close() throws on a server that never listened (socket.io 4.8.4); closing the adapter is enough.
  return { io, close: () => void io.of('/').adapter.close() };
}
