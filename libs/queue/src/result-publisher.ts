import { type JobStatus, type ServerToClientEvents, sessionRoom } from '@sqlfleet/contracts';
import type { Redis } from 'ioredis';
import type { FleetKeys } from './keys.ts';

/** The part of a Socket.IO server a publisher needs (a worker's never-listening one, or an API's). */
export interface RoomEmitter {
  to(room: string): {
    emit<E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>): boolean;
  };
}

/**
 * Announces a finished job: on the results channel (API replicas holding an HTTP request
 * for it answer it) and over Socket.IO to the session's room on whichever API node the
 * students' sockets are connected to (through the Redis streams adapter).
 */
export class ResultPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly io: RoomEmitter,
  ) {}

  async publish(status: JobStatus): Promise<void> {
    await this.redis.publish(this.keys.resultsChannel, status.jobId);
    const room = this.io.to(sessionRoom(status.sessionId));
    if (status.result) room.emit('query:result', status.result);
    else if (status.error)
      room.emit('query:failed', { jobId: status.jobId, sessionId: status.sessionId, error: status.error });
  }
}
