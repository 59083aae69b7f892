import type { Redis } from 'ioredis';
import type { FleetKeys } from './keys.ts';

/**
 * Where runs record their transaction before committing, by job (the engines' `RunRecord`, issue 10
 * item 4): the run of a job whose earlier run died with its worker reads the earlier one's here and
 * asks the engine whether it committed. Kept as long as results are; the drain's COMPLETE removes it.
 */
export class TransactionJournal {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly ttlMs: number,
  ) {}

  async earlier(jobId: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.transaction(jobId))) ?? undefined;
  }

  async record(jobId: string, transactionId: string): Promise<void> {
    await this.redis.set(this.keys.transaction(jobId), transactionId, 'PX', this.ttlMs);
  }
}
