import type { QueryJob, QueryOutcome, QueryResult } from '@sqlfleet/contracts';
import { AppError, type EngineName, isAppError, type Logger, RepeatFolder } from '@sqlfleet/core';
import type { Engine, RunRecord } from '@sqlfleet/engines';
import type { TransactionJournal } from '@sqlfleet/queue';
import type { EnsureResult, Provisioner, Sandbox, SandboxManager } from '@sqlfleet/sandbox';
import { LRUCache } from 'lru-cache';
import { toQueryResult } from './to-query-result.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

/** Sessions whose verified sandbox a worker remembers (least recently used forgotten first). */
const TRUSTED_SESSIONS = 10_000;
/** Jobs whose failed try built or rebuilt their sandbox, remembered for the drain's next try (see `run`). */
const FRESH_SANDBOX_JOBS = 10_000;

/**
 * Runs one query: ensure the session's sandbox, execute with the job's limits, apply its storage cap.
 * A sandbox this worker verified (a full `ensure`: lock, admin checks, ping) is trusted for the
 * next queries of the same session and fingerprint, which then go straight to the engine's pool
 * (as pg-pool verifies a connection on connect, not before each use). An error says otherwise:
 * after a thrown error (connection refused, database or login gone, a password changed by a
 * rebuild elsewhere) or a SQL error (MariaDB keeps a dropped database's connections, whose
 * queries then fail like a student's missing table), the sandbox is verified again; if it had to
 * be rebuilt, the query ran on nothing and runs again on the new one.
 */
export class QueryRunner {
  private readonly trusted = new LRUCache<string, Sandbox>({ max: TRUSTED_SESSIONS });
  /**
   * What a try of a job did to its sandbox (built, claimed, rebuilt) when the try then failed: the try that
   * answers says so, though it found the sandbox ready (a student whose sandbox was rebuilt must be told).
   */
  private readonly freshFor = new LRUCache<string, QueryResult['sandbox']>({ max: FRESH_SANDBOX_JOBS });
  /** Storage checks still running after their query was answered, by session: its next query waits for it. */
  private readonly storageChecks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly manager: SandboxManager,
    private readonly engines: ReadonlyMap<EngineName, Engine>,
    private readonly provisioners: ReadonlyMap<EngineName, Provisioner>,
    private readonly metrics: WorkerMetrics,
    private readonly journal: TransactionJournal,
    private readonly logger?: Logger,
  ) {}

  /** `crashes`: earlier runs of this job that never ended (their worker died under them). */
  async run(job: QueryJob, crashes = 0): Promise<QueryResult> {
    const engine = this.engines.get(job.engine);
    if (!engine) throw new AppError('ENGINE_UNAVAILABLE', `Engine ${job.engine} is not available on this worker`);
    // A write past the cap freezes the sandbox before the session's next query runs here.
    await this.storageChecks.get(job.sessionId);
    const record = await this.runRecord(job, crashes);
    const known = this.trusted.get(job.sessionId);
    let answer: [Sandbox, QueryResult['sandbox'], QueryOutcome];
    if (known?.fingerprint === job.fingerprint) {
      const outcome = await engine.execute(known.target, job.query, job.limits, record).catch(() => undefined);
      if (outcome && outcome.kind !== 'sql-error') {
        answer = [known, 'reused', outcome];
      } else {
        // The script ran (or began to) when it has an outcome: if the check cannot run now (the server is
        // restarting), answer that outcome rather than retry the query, whose writes may have committed.
        const verified = await this.verify(job).catch((error: unknown) => {
          if (outcome) return undefined;
          throw error;
        });
        answer = !verified
          ? [known, 'reused', outcome as QueryOutcome]
          : outcome && verified.state === 'reused'
            ? [verified.sandbox, 'reused', outcome]
            : [
                verified.sandbox,
                verified.state,
                await engine.execute(verified.sandbox.target, job.query, job.limits, record),
              ];
      }
    } else {
      const { sandbox, state } = await this.verify(job);
      answer = [sandbox, state, await engine.execute(sandbox.target, job.query, job.limits, record)];
    }
    const fresh = this.freshFor.get(job.jobId);
    if (fresh) {
      this.freshFor.delete(job.jobId);
      if (answer[1] === 'reused') answer[1] = fresh;
    }
    const result = await this.answer(job, ...answer);
    if (crashes > 0) result.rerun = { afterCrashes: crashes, earlierRun: answer[2].earlierRun ?? 'unknown' };
    return result;
  }

  /** What this run knows of the job's earlier runs, and where it records its own transaction. */
  private async runRecord(job: QueryJob, crashes: number): Promise<RunRecord> {
    const record: RunRecord = {
      earlierRunDied: crashes > 0,
      recordTransaction: (id) => this.journal.record(job.jobId, id),
    };
    if (crashes > 0) {
      const earlier = await this.journal.earlier(job.jobId);
      if (earlier) record.earlierTransaction = earlier;
    }
    return record;
  }

  /**
   * The result. Only an error can be a write the storage cap refused (and answered STORAGE_FULL), so
   * that case waits for the check; otherwise the answer goes at once and the check (measure, then
   * freeze or thaw) runs behind it, before this worker runs the session's next query. A query drained
   * meanwhile by another worker may still write: the cap may be passed by one more query's writes.
   */
  private async answer(
    job: QueryJob,
    sandbox: Sandbox,
    state: QueryResult['sandbox'],
    ran: QueryOutcome,
  ): Promise<QueryResult> {
    const check = this.checkStorage(job, sandbox, ran);
    if (ran.kind === 'sql-error') return toQueryResult(job, state, await check);
    const pending = check.finally(() => {
      if (this.storageChecks.get(job.sessionId) === pending) this.storageChecks.delete(job.sessionId);
    });
    this.storageChecks.set(job.sessionId, pending);
    return toQueryResult(job, state, ran);
  }

  /** The outcome as the storage cap sees it; a failed check must not cost the query its answer (the next checks again). */
  private checkStorage(job: QueryJob, sandbox: Sandbox, ran: QueryOutcome): Promise<QueryOutcome> {
    const provisioner = this.provisioners.get(job.engine);
    if (!provisioner?.enforceStorage) return Promise.resolve(ran);
    return provisioner.enforceStorage(sandbox, ran).catch((error: unknown) => {
      RepeatFolder.of(this.logger)?.warn({ err: error, sessionId: job.sessionId }, 'storage cap not checked');
      return ran;
    });
  }

  /** A full ensure, timed so that slow or failing sandbox builds show per engine and provisioner; trusted after. */
  private async verify(job: QueryJob): Promise<EnsureResult> {
    this.trusted.delete(job.sessionId);
    const startedAt = performance.now();
    try {
      const ensured = await this.manager.ensure(job.sessionId, job.fingerprint, job.room);
      if (ensured.state !== 'reused') {
        const seconds = (performance.now() - startedAt) / 1000;
        // An exam's pre-warmed sandbox claimed is timed apart from one built for the query.
        const how = ensured.claimed ? 'claimed' : ensured.state;
        this.metrics.sandboxBuilt(job.engine, ensured.sandbox.provisioner, how, seconds);
        // Until this try answers (then forgotten): a try after it finds the sandbox ready.
        this.freshFor.set(job.jobId, ensured.state);
      }
      this.trusted.set(job.sessionId, ensured.sandbox);
      return ensured;
    } catch (error) {
      const provisioner = this.provisioners.get(job.engine)?.kind ?? 'none';
      this.metrics.sandboxFailed(job.engine, provisioner, isAppError(error) ? error.code : 'INTERNAL');
      throw error;
    }
  }
}
