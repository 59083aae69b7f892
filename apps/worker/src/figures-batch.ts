import type { AuditEntry, FinishedQuery, RunningQuery } from '@sqlfleet/queue';

type AuditRecord = Omit<AuditEntry, 'room'> & { room?: string };

/**
 * What a worker has to tell the dashboards and the audit trail, gathered between two writes: the
 * queries that started, stopped or finished since the last one. A query that starts and finishes
 * within one batch is never written as running (it ran for less than a batch).
 */
export class FiguresBatch {
  readonly started = new Map<string, RunningQuery>();
  readonly stopped: { jobId: string; room?: string }[] = [];
  readonly finished: FinishedQuery[] = [];
  readonly audit: AuditRecord[] = [];

  get empty(): boolean {
    return this.started.size + this.stopped.length + this.finished.length + this.audit.length === 0;
  }

  start(query: RunningQuery): void {
    this.started.set(query.jobId, query);
  }

  /** The query no longer runs (retried, failed or finished). */
  stop(jobId: string, room: string | undefined): void {
    // Written as running by an earlier batch: take it out; else it never went in.
    if (!this.started.delete(jobId)) this.stopped.push(room ? { jobId, room } : { jobId });
  }

  finish(jobId: string, query: FinishedQuery, entry: AuditRecord): void {
    this.stop(jobId, query.room);
    this.finished.push(query);
    this.audit.push(entry);
  }
}
