import { ENGINE_NAMES, type EngineName } from '@sqlfleet/core';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FleetKeys } from './keys.ts';
import type { DrainJobData } from './mailbox.ts';

/**
 * The producer side of the drain queues: one BullMQ queue per engine, so that a worker takes only the
 * sessions of engines it serves (a fleet may run SQL Server workers apart from the others) and each
 * engine's backlog can scale its own workers. API replicas, workers and the reaper share the names.
 */
export class DrainQueues {
  private readonly queues: ReadonlyMap<EngineName, Queue<DrainJobData>>;

  constructor(connection: Redis, keys: FleetKeys) {
    this.queues = new Map(
      ENGINE_NAMES.map((engine) => [
        engine,
        new Queue<DrainJobData>(keys.drainQueueFor(engine), { connection, prefix: 'bull' }),
      ]),
    );
  }

  for(engine: EngineName): Queue<DrainJobData> {
    const queue = this.queues.get(engine);
    if (!queue) throw new Error(`no drain queue for engine ${engine}`);
    return queue;
  }

  /** Every engine's queue, with its engine. */
  entries(): [EngineName, Queue<DrainJobData>][] {
    return [...this.queues.entries()];
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
