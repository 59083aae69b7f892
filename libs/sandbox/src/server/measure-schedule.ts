import type { QueryOutcome, ResultSet } from '@sqlfleet/contracts';
import { LRUCache } from 'lru-cache';
import type { Sandbox } from '../provisioner.ts';

/**
 * Command tags (PostgreSQL's, and the MySQL engine's names for its statements) of statements that
 * write nothing themselves when they return rows. Left out on purpose: `EXPLAIN` (PostgreSQL's
 * `EXPLAIN ANALYZE INSERT …` runs the insert), `CALL`, `DO`, transaction control and `SET` (MariaDB's
 * `BEGIN NOT ATOMIC … END` is a block of any statements). A function such a statement calls may still
 * write (`SELECT f()`, a data-modifying `WITH` on PostgreSQL): the schedule's read budget bounds that.
 */
const READ_COMMANDS = new Set(['SELECT', 'VALUES', 'TABLE', 'WITH', 'SHOW', 'DESCRIBE', 'DESC']);

/**
 * A statement that returned rows under a read tag. Rows are required: PostgreSQL tags
 * `CREATE TABLE … AS SELECT` and `SELECT … INTO t` as `SELECT`, with no columns; a result cut short
 * at the row cap has no tag (the portal was closed before it), so it counts as a write.
 */
const isRead = (result: ResultSet): boolean =>
  result.command !== undefined && READ_COMMANDS.has(result.command) && result.columns.length > 0;

/** A script that ended well, ran at least one statement, and whose every statement reads. */
export function readsOnly(outcome: QueryOutcome): boolean {
  return (
    outcome.kind === 'ok' &&
    outcome.earlierRun === undefined &&
    outcome.results.length > 0 &&
    outcome.results.every(isRead)
  );
}

export interface MeasureScheduleOptions {
  /**
   * Running time (ms, summed over queries) that a sandbox's read-only queries may spend since it was
   * last measured before the next one is measured. 0: measure after every query.
   */
  readBudgetMs: number;
  /** Sandboxes remembered (least recently used forgotten first, and then measured at their next query). Default 10,000. */
  max?: number;
}

interface LastMeasure {
  /** The sandbox was past its cap (frozen) when last measured. */
  frozen: boolean;
  /** Running time of the read-only queries since. */
  readMs: number;
}

/**
 * Decides, after each query, whether the storage cap must measure its sandbox. It must after a SQL
 * error or a timeout (a refused write is answered STORAGE_FULL; a stopped write may have grown the
 * files), after any statement that may write, while the sandbox is frozen (so it thaws as soon as
 * data is removed), and for a sandbox this process has not measured yet. A query that only read is
 * left unmeasured until the reads since the last measure have run for `readBudgetMs` in total: data
 * is written only while a query runs (a sandbox login has no scheduler: no EVENT right on MariaDB, no
 * pg_cron), so what functions called from reads write past the cap is bounded by that running time.
 */
export class MeasureSchedule {
  private readonly last: LRUCache<string, LastMeasure>;

  constructor(private readonly options: MeasureScheduleOptions) {
    this.last = new LRUCache({ max: options.max ?? 10_000 });
  }

  /** Whether to measure after this outcome; a read left unmeasured is counted against the budget. */
  due(sandbox: Sandbox, outcome: QueryOutcome): boolean {
    const last = this.last.get(keyOf(sandbox));
    if (!last || last.frozen || !readsOnly(outcome)) return true;
    // At least 1 ms each: rounded to 0, many short reads that write would never reach the budget.
    last.readMs += Math.max(1, outcome.durationMs);
    return last.readMs >= this.options.readBudgetMs;
  }

  /** The sandbox was just measured, and is (after any freeze or thaw) frozen or not. */
  measured(sandbox: Sandbox, frozen: boolean): void {
    this.last.set(keyOf(sandbox), { frozen, readMs: 0 });
  }

  /**
   * A sandbox built or claimed just now holds its seed and nothing a student wrote, and nothing froze it:
   * its reads need no measure yet (a claimed sandbox's first query measured every one of an exam's 1,000).
   */
  fresh(sandbox: Sandbox): void {
    this.measured(sandbox, false);
  }

  /** Measure after its next query, whatever it is (a measure failed, the sandbox is gone). */
  forget(sandbox: Pick<Sandbox, 'engine' | 'id'>): void {
    this.last.delete(keyOf(sandbox));
  }
}

const keyOf = (sandbox: Pick<Sandbox, 'engine' | 'id'>): string => `${sandbox.engine}/${sandbox.id}`;
