import { type OutcomeLabel, outcomeOf, type QueryJob, type QueryResult } from '@sqlfleet/contracts';
import { type Logger, RepeatFolder } from '@sqlfleet/core';
import type { AuditLog, RoomStats, WorkerHeartbeats } from '@sqlfleet/queue';
import type { Redis } from 'ioredis';
import { FiguresBatch } from './figures-batch.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

/**
 * How long the rooms' figures and the audit entries wait to be written together. A worker at full
 * load finishes tens of queries in this time: one MULTI carries them all, with each room's counters
 * summed, instead of about twenty Redis commands per query.
 */
const FLUSH_MS = 100;
/** How long after its slots were last all taken a worker still counts as saturated. */
const SATURATION_QUIET_MS = 1_000;

export interface QueryObserverOptions {
  /** The worker's id, under which its heartbeat goes. */
  id: string;
  redis: Redis;
  metrics: WorkerMetrics;
  stats: RoomStats;
  audit: AuditLog;
  heartbeats: WorkerHeartbeats;
  /** A running query not finished after its time limit plus this is counted as lost (its worker died). */
  staleAfterMs: number;
  concurrency: number;
  engines: readonly string[];
  /** The container engine circuit's state, when this worker has one. */
  circuit: () => Promise<string | undefined>;
  logger: Logger;
}

/**
 * Everything a worker tells the rest of the fleet about the queries it runs: Prometheus
 * metrics, the rooms' live figures and the audit trail (written in batches every FLUSH_MS, after
 * the students have their results) and a heartbeat with its load. A failure to record is logged
 * and never fails the student's query.
 */
export class QueryObserver {
  private busy = 0;
  /** When every query slot was last taken. */
  private fullAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private batch = new FiguresBatch();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: QueryObserverOptions) {
    options.metrics.concurrency.set(options.concurrency);
  }

  /**
   * True while every query slot of this worker is taken, and for SATURATION_QUIET_MS after (the pre-warm's
   * builds give way then): under a burst a slot frees and is taken again within milliseconds, and a build
   * that starts in that gap takes the server for tens of them.
   */
  get saturated(): boolean {
    return this.busy >= this.options.concurrency || Date.now() - this.fullAt < SATURATION_QUIET_MS;
  }

  started(job: QueryJob): void {
    this.busy++;
    if (this.busy >= this.options.concurrency) this.fullAt = Date.now();
    this.options.metrics.busy.set(this.busy);
    const staleAt = Date.now() + job.limits.timeoutMs + this.options.staleAfterMs;
    this.batch.start({ jobId: job.jobId, staleAt, ...(job.room ? { room: job.room } : {}) });
    this.schedule();
  }

  finished(job: QueryJob, result: QueryResult, runMs: number, startedAt: number): void {
    const outcome = outcomeOf(result);
    this.options.metrics.finished(result, outcome, runMs / 1000, (startedAt - job.submittedAt) / 1000);
    this.record(job, outcome, result.durationMs, runMs, startedAt);
  }

  failed(job: QueryJob, code: string, runMs: number, startedAt: number): void {
    this.options.metrics.failed(job.engine, code, (startedAt - job.submittedAt) / 1000);
    this.record(job, { kind: 'failed', code }, 0, runMs, startedAt);
  }

  /** The query goes back to the queue for another attempt: it no longer runs here. */
  retrying(job: QueryJob): void {
    this.busy = Math.max(0, this.busy - 1);
    this.options.metrics.busy.set(this.busy);
    this.batch.stop(job.jobId, job.room);
    this.schedule();
  }

  /** Beats every `everyMs` until `stop()`. */
  start(everyMs = 1_000): void {
    const beat = async () => {
      const circuit = await this.options.circuit().catch(() => undefined);
      this.options.metrics.circuitOpen.set(circuit === 'open' ? 1 : circuit === 'half-open' ? 0.5 : 0);
      await this.options.heartbeats
        .beat({
          id: this.options.id,
          at: Date.now(),
          concurrency: this.options.concurrency,
          busy: this.busy,
          engines: [...this.options.engines],
          ...(circuit ? { containerEngine: circuit } : {}),
        })
        .catch((error) => this.warn(error));
      if (this.timer) this.timer = setTimeout(beat, everyMs);
    };
    this.timer = setTimeout(beat, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.options.heartbeats.leave(this.options.id).catch((error) => this.warn(error));
    await this.flush();
  }

  /** Writes what the batch holds now (at shutdown, after the last drains: nothing is left unwritten). */
  async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.batch;
    if (batch.empty) return;
    this.batch = new FiguresBatch();
    const { stats, audit, redis } = this.options;
    const pipeline = redis.multi();
    // Stopped before started: a query retried and taken again within one batch ends up running.
    stats.addStopped(pipeline, batch.stopped);
    stats.addRunning(pipeline, [...batch.started.values()]);
    stats.addFinished(pipeline, batch.finished);
    audit.add(pipeline, batch.audit);
    await pipeline.exec().catch((error) => this.warn(error));
  }

  private schedule(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => void this.flush(), FLUSH_MS);
    this.flushTimer.unref();
  }

  private record(job: QueryJob, outcome: OutcomeLabel, durationMs: number, runMs: number, startedAt: number): void {
    this.busy = Math.max(0, this.busy - 1);
    this.options.metrics.busy.set(this.busy);
    const now = Date.now();
    const waitMs = Math.max(0, startedAt - job.submittedAt);
    const room = job.room ? { room: job.room } : {};
    this.batch.finish(
      job.jobId,
      { ...room, sessionId: job.sessionId, outcome, waitMs, runMs, at: now },
      {
        at: new Date(now).toISOString(),
        ...room,
        sessionId: job.sessionId,
        clientId: job.clientId ?? '',
        engine: job.engine,
        jobId: job.jobId,
        outcome: outcome.kind,
        code: outcome.code,
        durationMs: Math.round(durationMs || runMs),
        waitMs: Math.round(waitMs),
        sql: job.query,
      },
    );
    this.schedule();
  }

  private warn(error: unknown): void {
    RepeatFolder.of(this.options.logger).warn({ err: error }, 'could not record query figures');
  }
}
