import type { FleetKeys } from '@sqlfleet/queue';
import type { Redis } from 'ioredis';

/**
 * Counts the runs of each query that started and never ended. A worker that finishes a query
 * (whatever its outcome) clears the count; a worker whose process dies under it cannot, so the
 * count left behind is how many workers that query has taken down. Past the limit the query is
 * failed rather than handed to the next worker, which it would take down too.
 */
export class CrashGuard {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly maxCrashes: number,
    /** The count outlives no result: a query older than this cannot come back. */
    private readonly ttlMs: number,
  ) {}

  /** Records that a run starts; resolves to the number of earlier runs that ended their worker, when past the limit. */
  async begin(jobId: string): Promise<number | undefined> {
    const key = this.keys.runs(jobId);
    const [[, started]] = (await this.redis.multi().incr(key).pexpire(key, this.ttlMs).exec()) as [[unknown, number]];
    const crashes = started - 1;
    return crashes >= this.maxCrashes ? crashes : undefined;
  }

  /** The run ended with this worker alive (done, failed, or handed back for a retry). */
  async end(jobId: string): Promise<void> {
    await this.redis.del(this.keys.runs(jobId));
  }
}
