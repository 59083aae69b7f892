import type { QueryLimits, QueryOutcome, SandboxTarget } from '@sqlfleet/contracts';
import type { EngineName } from '@sqlfleet/core';

/**
 * One database engine, as the worker sees it. Implementations pool connections per target,
 * attach an error handler to every connection, and never throw for a student's SQL error:
 * that is a `QueryOutcome`.
 */
export interface Engine {
  readonly name: EngineName;
  /** Runs the batches that build and seed a sandbox, in order; throws on the first failure. */
  applySchema(target: SandboxTarget, batches: readonly string[]): Promise<void>;
  /**
   * Runs a student's script with limits; each statement's result set comes back in order. With a
   * `RunRecord`, an engine that can (PostgreSQL) makes a re-run after a worker's death a no-op when
   * the earlier run committed.
   */
  execute(target: SandboxTarget, script: string, limits: QueryLimits, record?: RunRecord): Promise<QueryOutcome>;
  /**
   * Opens a connection to the target before its first script (an exam's pre-warmed sandbox), readies it for a
   * first script under `limitMs` where the engine can, and keeps it idle for `keepMs`, only into a free slot of
   * the budget: false when there was none.
   */
  prepare?(target: SandboxTarget, keepMs: number, limitMs: number): Promise<boolean>;
  /** Readiness probe: resolves once a trivial query answers on the target. */
  ping(target: SandboxTarget): Promise<void>;
  /** Closes the target's pool (its sandbox is going away). Idempotent. */
  release(target: SandboxTarget): Promise<void>;
  /** Closes every pool. Idempotent. */
  close(): Promise<void>;
  /** Connections this process holds on the engine's server against its budget, and callers waiting for one. */
  connectionFigures?(): ConnectionFigures;
}

export interface ConnectionFigures {
  held: number;
  limit: number;
  waiting: number;
}

/**
 * What the worker knows of a job's earlier runs, and where this run leaves its trace for the next
 * (issue 10 item 4). A run that can be recorded opens a transaction, records its id here before it
 * commits, and commits only once the record is durable; a later run of a job whose earlier run died
 * asks the server whether that transaction committed, so it never applies the same writes twice.
 */
export interface RunRecord {
  /** An earlier run of this job never ended: its worker process died under it. */
  earlierRunDied: boolean;
  /** The transaction the earlier run recorded before committing, if it got that far. */
  earlierTransaction?: string;
  /** Records this run's transaction durably; the run commits only once this resolves. */
  recordTransaction(id: string): Promise<void>;
}
