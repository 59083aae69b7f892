import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import {
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SubmitAck,
  sessionIdSchema,
  sessionRoom,
} from '@sqlfleet/contracts';
import type { Logger } from '@sqlfleet/core';
import { SOCKET_STREAM_MAX_LEN } from '@sqlfleet/queue';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { clientIdOf } from './client-id.ts';
import { toAppError } from './error-handler.ts';
import { recordRefusal } from './proctor/refusal-recorder.ts';
import { examRoom } from './proctor/socket-census.ts';
import type { ApiServices } from './services.ts';
import { validateCounted, validateRequest } from './validate-request.ts';

export type SqlfleetIo = Server<ClientToServerEvents, ServerToClientEvents>;

/**
 * The Socket.IO side of the API: `query:submit` with an acknowledgement, results pushed as
 * `query:result` to the session's room. The Redis streams adapter lets the drains (their COMPLETE
 * script writes the adapter's entry) or another API replica reach sockets connected here, and gives
 * connection-state recovery.
 */
export function createSocketGateway(
  httpServer: HttpServer,
  services: ApiServices,
  adapterRedis: Redis,
  logger: Logger,
): SqlfleetIo {
  const io: SqlfleetIo = new Server(httpServer, {
    // Results come in on this stream from the drains' COMPLETE script (socket-stream.ts), of the same length.
    adapter: createAdapter(adapterRedis, { streamName: services.keys.socketStream, maxLen: SOCKET_STREAM_MAX_LEN }),
    maxHttpBufferSize: services.config.limits.bodyBytes,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000 },
    cors: { origin: services.config.http.corsOrigins === '*' ? true : [...services.config.http.corsOrigins] },
  });

  io.on('connection', (socket) => {
    const clientId = clientIdOf(socket.handshake.headers, socket.handshake.address);

    socket.on('query:submit', async (payload, ack) => {
      if (typeof ack !== 'function') return; // without an acknowledgement nobody learns the job id
      try {
        const request = await validateCounted(
          () => validateRequest({ ...(payload as object), wait: false }, services.config.limits),
          clientId,
          services.rateLimiter,
        );
        const submitted = await services.submissions.submit(request, clientId, socket.id);
        await socket.join(sessionRoom(submitted.sessionId));
        // Counted as a student of that room on the proctor's dashboard while connected.
        if (request.room) await socket.join(examRoom(request.room));
        ack(submitted);
      } catch (error) {
        await recordRefusal(services.proctor, payload, clientId, error, logger);
        ack(toAckError(error, logger));
      }
    });

    socket.on('session:watch', async (sessionId, ack) => {
      const known = sessionIdSchema.safeParse(sessionId).success && (await services.sessions.watch(sessionId));
      if (known) await socket.join(sessionRoom(sessionId));
      if (typeof ack === 'function') ack({ ok: Boolean(known) });
    });
  });
  return io;
}

function toAckError(error: unknown, logger: Logger): SubmitAck {
  // The same mapping as HTTP: a Redis outage is QUEUE_UNAVAILABLE here too, not INTERNAL.
  const appError = toAppError(error);
  if (appError.code === 'INTERNAL') logger.error({ err: error }, 'socket submit failed');
  return appError.toJSON();
}
