import { type JobState, type JobStatus, type ServerToClientEvents, sessionRoom } from '@sqlfleet/contracts';
import type { Redis } from 'ioredis';
import { statusOf } from './job-store.ts';
import type { FleetKeys } from './keys.ts';

/** The part of a Socket.IO server a publisher needs (a worker's never-listening one, or an API's). */
export interface RoomEmitter {
  to(room: string): {
    emit<E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>): boolean;
  };
}

/**
 * A results-channel message: `jobId`, or `jobId\nstate\npayload` when the stored payload is small
 * enough to travel inline (the drain's COMPLETE script writes the same shape).
 * Returns the status when the message carries it, else just the job id.
 */
export function parseAnnouncement(message: string): { jobId: string; status?: JobStatus } {
  const first = message.indexOf('\n');
  if (first < 0) return { jobId: message };
  const second = message.indexOf('\n', first + 1);
  const jobId = message.slice(0, first);
  const state = message.slice(first + 1, second) as JobState;
  const payload = message.slice(second + 1);
  const status = statusOf(jobId, '', state, payload);
  status.sessionId = status.result?.sessionId ?? '';
  return { jobId, status };
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

  /** `onChannel`: the results channel has it already (the drain's COMPLETE script announced it). */
  async publish(status: JobStatus, onChannel = false): Promise<void> {
    if (!onChannel) await this.redis.publish(this.keys.resultsChannel, status.jobId);
    const room = this.io.to(sessionRoom(status.sessionId));
    if (status.result) room.emit('query:result', status.result);
    else if (status.error)
      room.emit('query:failed', { jobId: status.jobId, sessionId: status.sessionId, error: status.error });
  }
}
