import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FleetKeys } from './keys.ts';
import type { DrainJobData } from './mailbox.ts';

/** What proctors and the autoscaler watch. */
export interface Backlog {
  /** Queries accepted and not yet finished (including the ones running). */
  queries: number;
  /** Sessions with work waiting for a worker, and sessions a worker is draining now. */
  sessions: { waiting: number; active: number };
  byRoom: Record<string, number>;
  byEngine: Record<string, number>;
}

export async function readBacklog(redis: Redis, keys: FleetKeys, queue: Queue<DrainJobData>): Promise<Backlog> {
  const [byRoom, byEngine, counts] = await Promise.all([
    redis.hgetall(keys.backlogByRoom),
    redis.hgetall(keys.backlogByEngine),
    // Backlog = waiting + prioritized + delayed (FIELD-NOTES: the wait list alone undercounts).
    queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active'),
  ]);
  const positive = (hash: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(hash)
        .map(([name, value]) => [name, Number(value)] as const)
        .filter(([, value]) => value > 0),
    );
  const rooms = positive(byRoom);
  const engines = positive(byEngine);
  return {
    queries: Object.values(engines).reduce((sum, n) => sum + n, 0),
    sessions: {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
      active: counts.active ?? 0,
    },
    byRoom: rooms,
    byEngine: engines,
  };
}
