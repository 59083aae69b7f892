import { type Config, type Logger, RepeatFolder } from '@sqlfleet/core';
import { addFillJobs, createPrewarmQueue, type FleetKeys, type PrewarmJobData } from '@sqlfleet/queue';
import { ExamPrewarmer, type Sandboxes } from '@sqlfleet/sandbox';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';

export interface PrewarmWorkerOptions {
  config: Config;
  keys: FleetKeys;
  /** A connection of its own: the BullMQ worker blocks on it. */
  connection: Redis;
  /** For the follow-up job when shutdown cuts a fill short. */
  producer: Redis;
  sandboxes: Sandboxes;
  /** True while this worker's query slots are all taken: builds give way to the queries first. */
  saturated: () => boolean;
  logger: Logger;
}

/**
 * Consumes exam fill jobs at EXAM_PREWARM_CONCURRENCY builds at a time (default 1), so pre-warming
 * an exam takes a bounded share of this worker beside the sessions it serves, and less while those
 * sessions' queries take all of its slots. Undefined when 0.
 */
export function startPrewarmWorker(options: PrewarmWorkerOptions): { close(): Promise<void> } | undefined {
  const { config, keys, connection, producer, sandboxes, saturated, logger } = options;
  if (config.exams.prewarmConcurrency === 0) return undefined;
  const prewarmer = new ExamPrewarmer({
    exams: sandboxes.exams,
    sessions: sandboxes.sessions,
    manager: sandboxes.manager,
    saturated,
    logger,
  });
  const queue = createPrewarmQueue(producer, keys);
  const worker = new Worker<PrewarmJobData>(
    keys.prewarmQueue,
    async (job) => {
      if ((await prewarmer.fill(job.data.room, job.data.examId)) === 'stopped') {
        await addFillJobs(queue, job.data, 1);
      }
    },
    {
      connection,
      prefix: 'bull',
      concurrency: config.exams.prewarmConcurrency,
      lockDuration: config.worker.lockMs,
      stalledInterval: config.worker.lockMs,
    },
  );
  // Repeats for every connection while Redis is away.
  worker.on('error', (error) => RepeatFolder.of(logger).error({ err: error }, 'prewarm worker error'));
  worker.on('failed', (job, error) =>
    RepeatFolder.of(logger).warn(
      { room: job?.data.room, attemptsMade: job?.attemptsMade, err: error },
      'exam fill attempt failed',
    ),
  );
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        prewarmer.stop();
        await worker.close();
        await queue.close();
      })();
      return closing;
    },
  };
}
