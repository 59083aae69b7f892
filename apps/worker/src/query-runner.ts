import type { QueryJob, QueryResult } from '@sqlfleet/contracts';
import { AppError, type EngineName, isAppError, type Logger } from '@sqlfleet/core';
import type { Engine } from '@sqlfleet/engines';
import type { Provisioner, SandboxManager } from '@sqlfleet/sandbox';
import { toQueryResult } from './to-query-result.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

/** Runs one query: ensure the session's sandbox, execute with the job's limits, apply its storage cap. */
export class QueryRunner {
  constructor(
    private readonly manager: SandboxManager,
    private readonly engines: ReadonlyMap<EngineName, Engine>,
    private readonly provisioners: ReadonlyMap<EngineName, Provisioner>,
    private readonly metrics: WorkerMetrics,
    private readonly logger?: Logger,
  ) {}

  async run(job: QueryJob): Promise<QueryResult> {
    const engine = this.engines.get(job.engine);
    if (!engine) throw new AppError('ENGINE_UNAVAILABLE', `Engine ${job.engine} is not available on this worker`);
    const { sandbox, state } = await this.ensure(job);
    const ran = await engine.execute(sandbox.target, job.query, job.limits);
    const provisioner = this.provisioners.get(job.engine);
    // The query has run: a failed check must not cost its answer (the next query checks again).
    const outcome = provisioner?.enforceStorage
      ? await provisioner.enforceStorage(sandbox, ran).catch((error: unknown) => {
          this.logger?.warn({ err: error, sessionId: job.sessionId }, 'storage cap not checked');
          return ran;
        })
      : ran;
    return toQueryResult(job, state, outcome);
  }

  /** Timed, so that slow or failing sandbox builds show per engine and provisioner. */
  private async ensure(job: QueryJob): ReturnType<SandboxManager['ensure']> {
    const startedAt = performance.now();
    try {
      const ensured = await this.manager.ensure(job.sessionId, job.fingerprint);
      if (ensured.state !== 'reused') {
        const seconds = (performance.now() - startedAt) / 1000;
        this.metrics.sandboxBuilt(job.engine, ensured.sandbox.provisioner, ensured.state, seconds);
      }
      return ensured;
    } catch (error) {
      const provisioner = this.provisioners.get(job.engine)?.kind ?? 'none';
      this.metrics.sandboxFailed(job.engine, provisioner, isAppError(error) ? error.code : 'INTERNAL');
      throw error;
    }
  }
}
