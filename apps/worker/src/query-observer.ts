import { randomBytes } from 'node:crypto';
import { type OutcomeLabel, outcomeOf, type QueryJob, type QueryResult } from '@sqlfleet/contracts';
import { type Logger, RepeatFolder } from '@sqlfleet/core';
import type { AuditLog, RoomStats, WorkerHeartbeats } from '@sqlfleet/queue';
import type { Redis } from 'ioredis';
import type { WorkerMetrics } from './worker-metrics.ts';

export interface QueryObserverOptions {
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
 * metrics, the rooms' live figures, the audit trail (one Redis round trip per query, after the
 * student has the result) and a heartbeat with its load. A failure to record is logged and
 * never fails the student's query.
 */
export class QueryObserver {
  readonly id = `w-${randomBytes(4).toString('hex')}`;
  private busy = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: QueryObserverOptions) {
    options.metrics.concurrency.set(options.concurrency);
  }

  async started(job: QueryJob): Promise<void> {
    this.busy++;
    this.options.metrics.busy.set(this.busy);
    const staleAt = Date.now() + job.limits.timeoutMs + this.options.staleAfterMs;
    await this.options.stats.started(job.jobId, job.room, staleAt).catch((error) => this.warn(error));
  }

  async finished(job: QueryJob, result: QueryResult, runMs: number, startedAt: number): Promise<void> {
    const outcome = outcomeOf(result);
    this.options.metrics.finished(result, outcome, runMs / 1000, (startedAt - job.submittedAt) / 1000);
    await this.record(job, outcome, result.durationMs, runMs, startedAt);
  }

  async failed(job: QueryJob, code: string, runMs: number, startedAt: number): Promise<void> {
    this.options.metrics.failed(job.engine, code, (startedAt - job.submittedAt) / 1000);
    await this.record(job, { kind: 'failed', code }, 0, runMs, startedAt);
  }

  /** The query goes back to the queue for another attempt: it no longer runs here. */
  async retrying(job: QueryJob): Promise<void> {
    this.busy = Math.max(0, this.busy - 1);
    this.options.metrics.busy.set(this.busy);
    await this.options.stats.stopped(job.jobId, job.room).catch((error) => this.warn(error));
  }

  /** Beats every `everyMs` until `stop()`. */
  start(everyMs = 1_000): void {
    const beat = async () => {
      const circuit = await this.options.circuit().catch(() => undefined);
      this.options.metrics.circuitOpen.set(circuit === 'open' ? 1 : circuit === 'half-open' ? 0.5 : 0);
      await this.options.heartbeats
        .beat({
          id: this.id,
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
    await this.options.heartbeats.leave(this.id).catch((error) => this.warn(error));
  }

  private async record(
    job: QueryJob,
    outcome: OutcomeLabel,
    durationMs: number,
    runMs: number,
    startedAt: number,
  ): Promise<void> {
    this.busy = Math.max(0, this.busy - 1);
    this.options.metrics.busy.set(this.busy);
    const now = Date.now();
    const waitMs = Math.max(0, startedAt - job.submittedAt);
    const pipeline = this.options.redis.multi();
    this.options.stats.addFinished(pipeline, job.jobId, {
      sessionId: job.sessionId,
      outcome,
      waitMs,
      runMs,
      at: now,
      ...(job.room ? { room: job.room } : {}),
    });
    this.options.audit.add(pipeline, {
      at: new Date(now).toISOString(),
      ...(job.room ? { room: job.room } : {}),
      sessionId: job.sessionId,
      clientId: job.clientId ?? '',
      engine: job.engine,
      jobId: job.jobId,
      outcome: outcome.kind,
      code: outcome.code,
      durationMs: Math.round(durationMs || runMs),
      waitMs: Math.round(waitMs),
      sql: job.query,
    });
    await pipeline.exec().catch((error) => this.warn(error));
  }

  private warn(error: unknown): void {
    RepeatFolder.of(this.options.logger).warn({ err: error }, 'could not record query figures');
  }
}
