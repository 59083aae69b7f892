import type { Redis } from 'ioredis';
import type { FleetKeys } from './keys.ts';

/** A worker whose last heartbeat is older than this is gone (killed without a goodbye). Workers beat every second. */
export const HEARTBEAT_STALE_MS = 10_000;

/** What a worker says about itself every few seconds. */
export interface WorkerHeartbeat {
  id: string;
  /** Epoch ms of the beat. */
  at: number;
  /** Queries it may run at once, and runs now. */
  concurrency: number;
  busy: number;
  engines: string[];
  /** The container engine's circuit as this worker sees it (`closed`, `open`, `half-open`), when it uses one. */
  containerEngine?: string;
}

/**
 * Which workers are alive, fleet-wide: each writes its beat into one Redis hash; a beat older
 * than `staleMs` means the worker is gone (killed without a goodbye) and is dropped on read.
 */
export class WorkerHeartbeats {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly staleMs = HEARTBEAT_STALE_MS,
  ) {}

  async beat(heartbeat: WorkerHeartbeat): Promise<void> {
    await this.redis.hset(this.keys.workerHeartbeats, heartbeat.id, JSON.stringify(heartbeat));
  }

  async leave(id: string): Promise<void> {
    await this.redis.hdel(this.keys.workerHeartbeats, id);
  }

  async alive(now = Date.now()): Promise<WorkerHeartbeat[]> {
    const all = Object.values(await this.redis.hgetall(this.keys.workerHeartbeats)).map(
      (raw) => JSON.parse(raw) as WorkerHeartbeat,
    );
    const stale = all.filter((beat) => now - beat.at > this.staleMs);
    if (stale.length > 0) await this.redis.hdel(this.keys.workerHeartbeats, ...stale.map((beat) => beat.id));
    return all.filter((beat) => now - beat.at <= this.staleMs).sort((a, b) => a.id.localeCompare(b.id));
  }
}
