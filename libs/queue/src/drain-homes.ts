import { ENGINE_NAMES } from '@sqlfleet/core';
import type { Redis } from 'ioredis';
import type { DrainQueues } from './drain-queue.ts';
import { HomeQueue } from './home-queue.ts';
import type { FleetKeys } from './keys.ts';
import type { Mailbox } from './mailbox.ts';
import { HEARTBEAT_STALE_MS, type WorkerHeartbeats } from './worker-heartbeats.ts';

/**
 * Session affinity: a session's next drain goes to the worker that ran it last (its "home"), where the
 * session's connection is still open. Any worker can run any session, but on a shared PostgreSQL a worker
 * without the connection opens a backend (10–16 ms of server CPU on the 2-core machine) and, at its
 * budget, closes another session's: 40 warm sessions on two workers opened 0.56 backends per query
 * without homes, none with. Each worker reads its own home queue per engine (HomeQueue) and its own BullMQ
 * queue per engine (drains that wait a while first) beside the shared one; a worker that stops hands what
 * waits in its queues to the shared queues, and the other workers do it for one that died, once its
 * heartbeat has been stale for HEARTBEAT_STALE_MS more (API replicas stop routing to it when stale); for a
 * dead one they also give every mailbox with queries a drain (the dead worker's popped sessions are nowhere
 * else).
 */
export class DrainHomes {
  /** When each home was first seen without a live worker, by this process. */
  private readonly deadSince = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly queues: DrainQueues,
    private readonly mailbox: Mailbox,
    private readonly heartbeats: WorkerHeartbeats,
  ) {}

  /** Registers a worker's home, so that the others look after it if the worker dies. */
  async open(home: string): Promise<void> {
    await this.redis.sadd(this.keys.drainHomes, home);
  }

  /** Moves every session waiting in the home's queues to the shared ones and forgets the home; returns how many. */
  async handOver(home: string): Promise<number> {
    let moved = 0;
    for (const engine of ENGINE_NAMES) {
      const homeQueue = new HomeQueue(this.redis, this.keys, engine, home);
      const waiting = await homeQueue.waiting();
      for (const { sessionId, priority } of waiting) {
        await this.mailbox.scheduleDrain(sessionId, engine, priority);
        moved++;
      }
      await homeQueue.remove(waiting);
      const queue = this.queues.for(engine, home);
      const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
      for (const job of jobs) {
        if (!job?.data?.sessionId) continue;
        // Deduplicated by session: harmless where the shared queue has its drain already.
        await this.mailbox.scheduleDrain(job.data.sessionId, engine, job.opts.priority);
        moved++;
      }
      // `force`: a dead worker's jobs stay active, and nobody else reads its queue to find them stalled.
      await queue.obliterate({ force: true });
    }
    await this.redis.srem(this.keys.drainHomes, home);
    return moved;
  }

  /** Hands over the homes of workers gone for a while; returns them. */
  async sweep(now = Date.now()): Promise<string[]> {
    const alive = new Set((await this.heartbeats.alive(now)).map((beat) => beat.id));
    const handed: string[] = [];
    for (const home of await this.redis.smembers(this.keys.drainHomes)) {
      if (alive.has(home)) {
        this.deadSince.delete(home);
        continue;
      }
      const since = this.deadSince.get(home) ?? now;
      this.deadSince.set(home, since);
      // Past the API's view of it as alive (a beat older than HEARTBEAT_STALE_MS), with as much again to spare.
      if (now - since < HEARTBEAT_STALE_MS) continue;
      await this.handOver(home);
      this.deadSince.delete(home);
      handed.push(home);
    }
    // The sessions the dead workers were draining (or had just popped) are in no queue: every mailbox
    // with queries gets a drain (deduplicated; one that finds its session held waits for the lease).
    if (handed.length > 0) await this.mailbox.resumeStranded();
    return handed;
  }
}
