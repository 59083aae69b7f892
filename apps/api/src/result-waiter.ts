import type { JobStatus } from '@sqlfleet/contracts';
import { type FleetKeys, type JobStore, parseAnnouncement } from '@sqlfleet/queue';
import type { Redis } from 'ioredis';

type Waiter = (status: JobStatus | undefined) => void;

/** How often a waiting request also looks at the job store, in case a notice was lost. */
const POLL_MS = 1_000;

/**
 * Lets an HTTP request wait for its job's result. One subscription per API replica to the
 * results channel wakes the waiters of that replica (a small result rides in the notice itself,
 * so the common case reads nothing back); a slow poll of the job store covers a notice lost
 * while Redis reconnected.
 */
export class ResultWaiter {
  private readonly waiters = new Map<string, Set<Waiter>>();

  constructor(
    private readonly subscriber: Redis,
    private readonly keys: FleetKeys,
    private readonly jobs: JobStore,
  ) {}

  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.keys.resultsChannel) return;
      const { jobId, status } = parseAnnouncement(message);
      if (status) this.wake(jobId, status);
      else void this.check(jobId);
    });
    await this.subscriber.subscribe(this.keys.resultsChannel);
  }

  /**
   * Resolves with the finished job, or with undefined after `timeoutMs`. Registered before the
   * job is submitted (`submitted: false`), no notice can be missed and nothing is read now.
   */
  wait(jobId: string, timeoutMs: number, { submitted = true } = {}): Promise<JobStatus | undefined> {
    return new Promise((resolve) => {
      const set = this.waiters.get(jobId) ?? new Set<Waiter>();
      this.waiters.set(jobId, set);
      const finish = (status: JobStatus | undefined) => {
        clearTimeout(timer);
        clearInterval(poll);
        set.delete(waiter);
        if (set.size === 0) this.waiters.delete(jobId);
        resolve(status);
      };
      const waiter: Waiter = finish;
      set.add(waiter);
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      const poll = setInterval(() => void this.check(jobId), POLL_MS);
      if (submitted) void this.check(jobId);
    });
  }

  /** Stops waiting for a job that was never submitted (its submission was refused). */
  cancel(jobId: string): void {
    this.wake(jobId, undefined);
  }

  /** Wakes every waiter (shutdown): each answers with the job's state as it stands. */
  async close(): Promise<void> {
    for (const jobId of this.waiters.keys()) await this.check(jobId, true);
  }

  private async check(jobId: string, force = false): Promise<void> {
    if (!this.waiters.has(jobId)) return;
    const status = await this.jobs.get(jobId).catch(() => undefined);
    const finished = status?.state === 'done' || status?.state === 'failed';
    if (finished || force) this.wake(jobId, status);
  }

  private wake(jobId: string, status: JobStatus | undefined): void {
    for (const waiter of [...(this.waiters.get(jobId) ?? [])]) waiter(status);
  }
}
