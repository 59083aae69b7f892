import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FleetKeys } from './keys.ts';

/** A fill job: build the exam's next sandboxes until its target is reached. */
export interface PrewarmJobData {
  room: string;
  /** The exam registration it belongs to: a room deleted and registered again is another exam. */
  examId: string;
}

/** The producer side of the prewarm queue (the API adds fill jobs; workers consume them). */
export function createPrewarmQueue(connection: Redis, keys: FleetKeys): Queue<PrewarmJobData> {
  return new Queue<PrewarmJobData>(keys.prewarmQueue, { connection, prefix: 'bull' });
}

/** Adds `count` fill jobs for one exam; each builds slots until none is left, so they share the work. */
export async function addFillJobs(queue: Queue<PrewarmJobData>, data: PrewarmJobData, count: number): Promise<void> {
  await queue.addBulk(
    Array.from({ length: count }, () => ({
      name: 'fill',
      data,
      opts: {
        jobId: randomUUID(),
        // A failed build gives its slot back; the retry (or another fill job) builds it.
        attempts: 5,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: true,
        removeOnFail: 100,
      },
    })),
  );
}
