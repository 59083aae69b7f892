import type { QueryJob, QueryResult } from '@sqlfleet/contracts';
import { AppError, type EngineName } from '@sqlfleet/core';
import type { Engine } from '@sqlfleet/engines';
import type { SandboxManager } from '@sqlfleet/sandbox';
import { toQueryResult } from './to-query-result.ts';

/** Runs one query: ensure the session's sandbox, execute with the job's limits. */
export class QueryRunner {
  constructor(
    private readonly manager: SandboxManager,
    private readonly engines: ReadonlyMap<EngineName, Engine>,
  ) {}

  async run(job: QueryJob): Promise<QueryResult> {
    const engine = this.engines.get(job.engine);
    if (!engine) throw new AppError('ENGINE_UNAVAILABLE', `Engine ${job.engine} is not available on this worker`);
    const { sandbox, state } = await this.manager.ensure(job.sessionId, job.fingerprint);
    const outcome = await engine.execute(sandbox.target, job.query, job.limits);
    return toQueryResult(job, state, outcome);
  }
}
