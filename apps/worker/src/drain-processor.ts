import { AppError, isAppError, type Logger } from '@sqlfleet/core';
import type { DrainJobData, JobFailure, JobStore, Mailbox, ResultPublisher } from '@sqlfleet/queue';
import type { SessionStore } from '@sqlfleet/sandbox';
import type { Job } from 'bullmq';
import type { CrashGuard } from './crash-guard.ts';
import type { QueryObserver } from './query-observer.ts';
import type { QueryRunner } from './query-runner.ts';

export interface DrainProcessorOptions {
  mailbox: Mailbox;
  jobs: JobStore;
  sessions: SessionStore;
  runner: QueryRunner;
  publisher: ResultPublisher;
  observer: QueryObserver;
  crashes: CrashGuard;
  logger: Logger;
}

/**
 * Processes a session's drain job: runs the session's mailbox head by head, in order,
 * until it is empty. A head is popped only after its result is stored, so a worker that
 * dies mid-query leaves it at the head and the re-delivered drain job runs it again
 * (the job store keeps the first stored answer).
 */
export class DrainProcessor {
  private stopping = false;

  constructor(private readonly options: DrainProcessorOptions) {}

  /** Stop after the query in hand; what is left in the mailbox goes to another drain. */
  stop(): void {
    this.stopping = true;
  }

  readonly process = async (job: Job<DrainJobData>): Promise<void> => {
    const { mailbox, jobs, sessions, runner, publisher, observer, crashes } = this.options;
    const { sessionId } = job.data;
    for (;;) {
      const item = await mailbox.head(sessionId);
      if (!item) return;
      if (this.stopping) {
        // keepLastIfActive turns this into a follow-up drain once this one ends.
        await mailbox.scheduleDrain(sessionId);
        return;
      }
      const log = this.options.logger.child({ jobId: item.job.jobId, sessionId, engine: item.job.engine });
      const known = await jobs.get(item.job.jobId);
      if (known?.state === 'done' || known?.state === 'failed') {
        // Stored before a crash, not yet popped: announce again rather than run twice.
        await publisher.publish(known);
        await mailbox.pop(item);
        continue;
      }
      const crashed = await crashes.begin(item.job.jobId);
      if (crashed !== undefined) {
        log.error({ crashes: crashed, sql: item.job.query }, 'query ended every worker that ran it; failing it');
        const failure = toFailure(
          new AppError('QUERY_CRASHED_WORKER', `This query ended ${crashed} worker processes; it is not run again`),
        );
        await publisher.publish(await jobs.fail(item.job.jobId, failure));
        await observer.started(item.job);
        await observer.failed(item.job, failure.code, 0, Date.now());
        await mailbox.pop(item);
        await crashes.end(item.job.jobId);
        continue;
      }
      await jobs.markRunning(item.job.jobId);
      log.debug({ sql: item.job.query }, 'running query');
      const startedAt = performance.now();
      const startedAtMs = Date.now();
      await observer.started(item.job);
      try {
        const result = await runner.run(item.job);
        const status = await jobs.complete(item.job.jobId, result);
        log.info(
          { success: status.result?.success, sandbox: status.result?.sandbox, durationMs: status.result?.durationMs },
          'query done',
        );
        await publisher.publish(status);
        await observer.finished(item.job, result, performance.now() - startedAt, startedAtMs);
      } catch (error) {
        const retryable = !isAppError(error) || error.retryable;
        const attemptsLeft = (job.opts.attempts ?? 1) - job.attemptsMade - 1;
        if (retryable && attemptsLeft > 0 && !this.stopping) {
          await observer.retrying(item.job);
          log.warn({ err: error, attemptsLeft }, 'query could not run; the drain will retry');
          throw error;
        }
        log.error({ err: error }, 'query failed');
        const failure = toFailure(error);
        await publisher.publish(await jobs.fail(item.job.jobId, failure));
        await observer.failed(item.job, failure.code, performance.now() - startedAt, startedAtMs);
      } finally {
        // This process outlived the run: it was no crash, whatever its outcome.
        await crashes.end(item.job.jobId);
      }
      await mailbox.pop(item);
      await sessions.touch(sessionId);
    }
  };
}

function toFailure(error: unknown): JobFailure {
  if (isAppError(error)) return { code: error.code, message: error.message };
  const wrapped = new AppError('JOB_FAILED', error instanceof Error ? error.message : String(error));
  return { code: wrapped.code, message: wrapped.message };
}
