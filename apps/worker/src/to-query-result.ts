import type { QueryJob, QueryOutcome, QueryResult, ResultSet, SandboxState } from '@sqlfleet/contracts';

/** The client-facing result of a script run. */
export function toQueryResult(job: QueryJob, sandbox: SandboxState, outcome: QueryOutcome): QueryResult {
  const result: QueryResult = {
    success: outcome.kind === 'ok',
    jobId: job.jobId,
    sessionId: job.sessionId,
    engine: job.engine,
    sandbox,
    results: outcome.results,
    rows: rowsAsObjects(outcome.results.at(-1)),
    durationMs: outcome.durationMs,
  };
  if (outcome.kind !== 'ok') result.error = outcome.error;
  return result;
}

/** The original payload's `rows`: objects keyed by column name (a duplicate name keeps its last value). */
function rowsAsObjects(set: ResultSet | undefined): Record<string, unknown>[] {
  if (!set) return [];
  return set.rows.map((row) => Object.fromEntries(set.columns.map((column, i) => [column.name, row[i]])));
}
