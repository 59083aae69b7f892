import type { QueryResult } from './result.ts';

/**
 * How a query ended, as proctors, the audit trail and the metrics count it: answered (`ok`,
 * `truncated` when a cap cut rows), the student's SQL failed (`sql-error`), the time limit
 * stopped it (`timeout`), the fleet could not run it (`failed`), or it was never accepted (`refused`).
 */
export type OutcomeKind = 'ok' | 'truncated' | 'sql-error' | 'timeout' | 'failed' | 'refused';

export interface OutcomeLabel {
  kind: OutcomeKind;
  /** The engine's error code (SQLSTATE, errno) or ours (`QUERY_TIMEOUT`, `QUEUE_FULL`…); empty when it answered. */
  code: string;
}

export function outcomeOf(result: QueryResult): OutcomeLabel {
  if (result.error?.code === 'QUERY_TIMEOUT') return { kind: 'timeout', code: 'QUERY_TIMEOUT' };
  if (!result.success) return { kind: 'sql-error', code: result.error?.code ?? '' };
  if (result.results.some((set) => set.truncated)) return { kind: 'truncated', code: '' };
  return { kind: 'ok', code: '' };
}
