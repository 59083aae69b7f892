import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, type EngineName, isAppError, type Logger, RepeatFolder } from '@sqlfleet/core';
import type { DrainJobData, JobFailure, Mailbox, TakenItem } from '@sqlfleet/queue';
import { DelayedError, type Job } from 'bullmq';
import type { QueryObserver } from './query-observer.ts';
import type { QueryRunner } from './query-runner.ts';
import type { RetryPolicy } from './retry-policy.ts';

export interface DrainProcessorOptions {
  mailbox: Mailbox;
  runner: QueryRunner;
  observer: QueryObserver;
  /** A query whose runs ended this many worker processes is failed instead of run again (WORKER_MAX_CRASHES). */
  maxCrashes: number;
  /** When a query that could not run is tried again (WORKER_RETRY_MS). */
  retry: RetryPolicy;
  /** The drain's lease on its session (the mailbox's); its heartbeat renews it three times per lease. */
  leaseMs: number;
  logger: Logger;
}

/** A drain whose room holds its share of workers waits this long before it asks again. */
const ROOM_DEFER_MS = 100;
/** A homed drain whose steps in Redis failed is tried again after this (a BullMQ drain's first backoff). */
const HOMED_RETRY_MS = 500;

type Outcome = { state: 'done' | 'failed'; payload: string };

/**
 * Drains a session (taken from the worker's home queue, or a drain job of BullMQ's): owns the session for
 * the drain and runs its mailbox head by head, in order, until it is empty. Each step is one Redis round
 * trip (the mailbox's scripts): storing a result, popping its head and taking the next happen together. A
 * head is popped only after its result is stored, so a worker that dies mid-query leaves it at the head and
 * the next drain (the re-delivered job, or the one the sweep of dead homes gives the session) runs it again
 * (the first stored answer wins), unless its runs have
 * ended `maxCrashes` workers already (the scripts count runs that never ended).
 * The observer's figures (dashboard, audit) are written without holding the drain up: they go
 * down the same connection, in order, while the next query runs.
 * BullMQ's job lock alone does not make the drain the session's only one: a lock that runs out while
 * the drain still runs (a Redis failover longer than it) hands the job to another worker. So each
 * drain holds the session under a token of its own, renewed by a heartbeat; a second drain waits for
 * the holder's lease, and a drain that finds another holder at its next step stops there.
 */
export class DrainProcessor {
  private stopping = false;
  /** Ends the pauses between tries of a query when the worker stops. */
  private readonly stopped = new AbortController();
  /** An outage makes every running drain and retried query say the same: one line per interval each. */
  private readonly repeats: RepeatFolder;

  constructor(private readonly options: DrainProcessorOptions) {
    this.repeats = RepeatFolder.of(options.logger);
  }

  /** Stop after the query in hand; what is left in the mailbox goes to another drain. */
  stop(): void {
    this.stopping = true;
    this.stopped.abort();
  }

  /** A drain job from a BullMQ queue (shared, or the worker's own for drains that wait first). */
  readonly process = async (job: Job<DrainJobData>, token?: string): Promise<void> => {
    const waitMs = await this.drain(job.data.sessionId);
    if (waitMs === undefined) return;
    await job.moveToDelayed(Date.now() + waitMs, token);
    throw new DelayedError();
  };

  /**
   * A session taken from the worker's home queue. A drain that must wait first (or could not get through
   * its steps in Redis) goes to the worker's BullMQ queue, delayed, as a job does (see `process`).
   */
  readonly processHomed = async (sessionId: string, engine: EngineName, priority: number): Promise<void> => {
    const { mailbox } = this.options;
    let waitMs: number | undefined;
    try {
      waitMs = await this.drain(sessionId);
    } catch (error) {
      this.repeats.warn({ err: error, sessionId }, 'drain attempt failed');
      waitMs = HOMED_RETRY_MS;
    }
    // Stopping: the shared queue (this worker's own queue is handed over as it stops).
    if (waitMs !== undefined) {
      await mailbox.scheduleDrain(sessionId, engine, priority, this.stopping ? undefined : mailbox.home, waitMs);
    }
  };

  /**
   * Owns the session and runs its mailbox until it is empty; returns how long to wait before trying again
   * when it could not start, else undefined.
   */
  private async drain(sessionId: string): Promise<number | undefined> {
    const { mailbox } = this.options;
    const owner = randomUUID();
    const start = await mailbox.begin(sessionId, owner);
    if (start.kind === 'empty') return undefined;
    // The room holds its share of the fleet while other rooms wait: let them go first. Or another
    // drain still holds the session: come back when its lease ends (or it finishes and lets go).
    if (start.kind === 'defer') return ROOM_DEFER_MS;
    if (start.kind === 'held') return start.ms + ROOM_DEFER_MS;
    const { room } = start;
    const { engine } = start.item.job;
    let item: TakenItem | undefined = start.item;
    const heartbeat = setInterval(() => {
      mailbox.renew(sessionId, engine, room, owner).catch((error: unknown) => {
        this.repeats.warn({ err: error, sessionId }, 'drain lease not renewed');
      });
    }, this.options.leaseMs / 3);
    try {
      while (item && !this.stopping) {
        // Stored before a crash, not yet popped: announce again rather than run twice.
        const outcome = item.stored ? undefined : await this.runOne(item);
        // Stored, announced to waiting requests and to the session's sockets, popped, the next taken: one step.
        const { next, lost } = await mailbox.complete(item, room, outcome, owner);
        if (lost) this.repeats.warn({ sessionId }, 'another drain holds the session now: this one stops');
        item = next;
      }
    } finally {
      clearInterval(heartbeat);
      // Left with the session still held (stopping, a retry, an error): give it up.
      if (item) {
        const waiting = await mailbox.release(item, room, owner);
        // keepLastIfActive turns this into a follow-up drain once this one ends.
        if (this.stopping && waiting > 0) await mailbox.scheduleDrain(sessionId, item.job.engine);
      }
    }
    return undefined;
  }

  /**
   * Runs one query: its result, or its failure once retrying cannot help. A query that cannot run for a
   * passing reason is tried again here, the drain keeping its session (and its order), for as long as the
   * retry policy allows (WORKER_RETRY_MS from the first failure), however long the outage. Throws only to hand
   * the query back when the worker is stopping.
   */
  private async runOne(item: TakenItem): Promise<Outcome> {
    const { runner, observer, maxCrashes, retry } = this.options;
    const query = item.job;
    const { logger: log } = this.options;
    // The query's fields on each line, not bound in a child logger: a child per query (its bindings serialized,
    // redaction set up) cost the worker ~2 % of its CPU on the warm path.
    const about = { jobId: query.jobId, sessionId: query.sessionId, engine: query.engine };
    if (item.crashes >= maxCrashes) {
      observer.started(query);
      // Handing it to the next worker would take that one down too.
      log.error(
        { ...about, crashes: item.crashes, sql: query.query },
        'query ended every worker that ran it; failing it',
      );
      const failure = failureOf(
        new AppError('QUERY_CRASHED_WORKER', `This query ended ${item.crashes} worker processes; it is not run again`),
      );
      observer.failed(query, failure.code, 0, Date.now());
      return { state: 'failed', payload: JSON.stringify(failure) };
    }
    let firstFailureAt: number | undefined;
    for (let tries = 1; ; tries++) {
      const startedAtMs = Date.now();
      observer.started(query);
      if (log.isLevelEnabled('debug')) log.debug({ ...about, sql: query.query, tries }, 'running query');
      const startedAt = performance.now();
      try {
        const result = await runner.run(query, item.crashes);
        log.info(
          { ...about, success: result.success, sandbox: result.sandbox, durationMs: result.durationMs },
          'query done',
        );
        observer.finished(query, result, performance.now() - startedAt, startedAtMs);
        return { state: 'done', payload: JSON.stringify(result) };
      } catch (error) {
        firstFailureAt ??= startedAt;
        const failingForMs = performance.now() - firstFailureAt;
        const delayMs = retry.delayMs(error, tries, failingForMs);
        if (delayMs === undefined) {
          log.error({ ...about, err: error, tries, failingForMs: Math.round(failingForMs) }, 'query failed');
          const failure = failureOf(error);
          observer.failed(query, failure.code, performance.now() - startedAt, startedAtMs);
          return { state: 'failed', payload: JSON.stringify(failure) };
        }
        observer.retrying(query);
        this.repeats.warn(
          { err: error, jobId: query.jobId, sessionId: query.sessionId, engine: query.engine, tries, delayMs },
          'query could not run; the drain will retry',
        );
        // Stopping: the query goes back to the mailbox's head for another worker (see process's finally).
        if (this.stopping || !(await this.pause(delayMs))) throw error;
      }
    }
  }

  /** Waits `ms`; false when the worker began to stop meanwhile. */
  private async pause(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.stopped.signal });
      return true;
    } catch {
      return false;
    }
  }
}

function failureOf(error: unknown): JobFailure {
  if (isAppError(error)) return { code: error.code, message: error.message };
  return { code: 'JOB_FAILED', message: error instanceof Error ? error.message : String(error) };
}
