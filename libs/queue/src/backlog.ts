import type { Redis } from 'ioredis';
import type { DrainQueues } from './drain-queue.ts';
import type { FleetKeys } from './keys.ts';

/** What proctors and the autoscaler watch. */
export interface Backlog {
  /** Queries accepted and not yet finished (including the ones running). */
  queries: number;
  /** Sessions with work waiting for a worker, and sessions a worker is draining now. */
  sessions: { waiting: number; active: number };
  /** The same, per engine: each engine's drain queues, shared and its workers' own (what scales that engine's workers). */
  sessionsByEngine: Record<string, { waiting: number; active: number }>;
  byRoom: Record<string, number>;
  byEngine: Record<string, number>;
}

export async function readBacklog(redis: Redis, keys: FleetKeys, queues: DrainQueues): Promise<Backlog> {
  const [byRoom, byEngine, counted] = await Promise.all([
    redis.hgetall(keys.backlogByRoom),
    redis.hgetall(keys.backlogByEngine),
    queues.all().then((all) =>
      Promise.all(
        all.map(async ([engine, queue]) => {
          // Backlog = waiting + prioritized + delayed (FIELD-NOTES: the wait list alone undercounts).
          const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
          const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
          return [engine, { waiting, active: counts.active ?? 0 }] as const;
        }),
      ),
    ),
  ]);
  // An engine's sessions wait in its shared queue and in its workers' own queues.
  const sums = new Map<string, { waiting: number; active: number }>();
  for (const [engine, { waiting, active }] of counted) {
    const sum = sums.get(engine) ?? { waiting: 0, active: 0 };
    sums.set(engine, { waiting: sum.waiting + waiting, active: sum.active + active });
  }
  const perEngine = [...sums.entries()];
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
      waiting: perEngine.reduce((sum, [, s]) => sum + s.waiting, 0),
      active: perEngine.reduce((sum, [, s]) => sum + s.active, 0),
    },
    sessionsByEngine: Object.fromEntries(perEngine),
    byRoom: rooms,
    byEngine: engines,
  };
}
