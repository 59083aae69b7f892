import { ENGINE_NAMES } from '@sqlfleet/core';
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
  const now = Date.now();
  // The workers' homes, read once: their BullMQ queues and their home queues (HomeQueue), where most sessions wait.
  const homes = await redis.smembers(keys.drainHomes);
  const [byRoom, byEngine, queued, homed, active] = await Promise.all([
    redis.hgetall(keys.backlogByRoom),
    redis.hgetall(keys.backlogByEngine),
    queues.all(homes).then((all) =>
      Promise.all(
        all.map(async ([engine, queue]) => {
          // Backlog = waiting + prioritized + delayed (FIELD-NOTES: the wait list alone undercounts).
          const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed');
          return [engine, (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0)] as const;
        }),
      ),
    ),
    Promise.all(
      homes.flatMap((home) =>
        ENGINE_NAMES.map(async (engine) => [engine, await redis.zcard(keys.homeQueue(engine, home))] as const),
      ),
    ),
    // Drained now, whichever queue the drain came from: every drain leases its session there (see the drain scripts).
    Promise.all(
      ENGINE_NAMES.map(async (engine) => [engine, await redis.zcount(keys.drainsActive(engine), now, '+inf')] as const),
    ),
  ]);
  const sums = new Map<string, { waiting: number; active: number }>();
  const add = (engine: string, waiting: number, active: number) => {
    const sum = sums.get(engine) ?? { waiting: 0, active: 0 };
    sums.set(engine, { waiting: sum.waiting + waiting, active: sum.active + active });
  };
  for (const [engine, waiting] of [...queued, ...homed]) add(engine, waiting, 0);
  for (const [engine, count] of active) add(engine, 0, count);
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
