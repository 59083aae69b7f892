import { ENGINE_NAMES, type EngineName } from '@sqlfleet/core';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { FleetKeys } from './keys.ts';
import type { DrainJobData } from './mailbox.ts';

/** Home queues (a worker's own, per engine) a process keeps open to add jobs to; the rest are reopened when needed. */
const OPEN_HOME_QUEUES = 64;

/**
 * The producer side of the drain queues: one shared BullMQ queue per engine, so that a worker takes only
 * the sessions of engines it serves (a fleet may run SQL Server workers apart from the others) and each
 * engine's backlog can scale its own workers; and each worker's own queue per engine (its "home"), for
 * the sessions it ran last (see DrainHomes). API replicas, workers and the reaper share the names.
 */
export class DrainQueues {
  private readonly shared: ReadonlyMap<EngineName, Queue<DrainJobData>>;
  private readonly homes = new LRUCache<string, Queue<DrainJobData>>({
    max: OPEN_HOME_QUEUES,
    dispose: (queue) => {
      if (!this.closed) void queue.close().catch(() => undefined);
    },
  });
  private closed = false;

  constructor(
    private readonly connection: Redis,
    private readonly keys: FleetKeys,
  ) {
    this.shared = new Map(ENGINE_NAMES.map((engine) => [engine, this.open(keys.drainQueueFor(engine))]));
  }

  /** The engine's shared queue, or with `home` that worker's own queue of the engine. */
  for(engine: EngineName, home?: string): Queue<DrainJobData> {
    if (home) {
      const name = this.keys.drainQueueFor(engine, home);
      let queue = this.homes.get(name);
      if (!queue) {
        queue = this.open(name);
        this.homes.set(name, queue);
      }
      return queue;
    }
    const queue = this.shared.get(engine);
    if (!queue) throw new Error(`no drain queue for engine ${engine}`);
    return queue;
  }

  /** Every engine's shared queue, with its engine. */
  entries(): [EngineName, Queue<DrainJobData>][] {
    return [...this.shared.entries()];
  }

  /** Every queue that may hold drain jobs, shared and of the `homes` given (else every registered one), with its engine. */
  async all(homes?: readonly string[]): Promise<[EngineName, Queue<DrainJobData>][]> {
    homes ??= await this.connection.smembers(this.keys.drainHomes);
    return [
      ...this.entries(),
      ...homes.flatMap((home) =>
        ENGINE_NAMES.map((engine) => [engine, this.for(engine, home)] as [EngineName, Queue<DrainJobData>]),
      ),
    ];
  }

  async close(): Promise<void> {
    const queues = [...this.shared.values(), ...this.homes.values()];
    this.closed = true;
    this.homes.clear();
    await Promise.all(queues.map((q) => q.close()));
  }

  private open(name: string): Queue<DrainJobData> {
    return new Queue<DrainJobData>(name, { connection: this.connection, prefix: 'bull' });
  }
}
