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
  /** Runs a student's script with limits; each statement's result set comes back in order. */
  execute(target: SandboxTarget, script: string, limits: QueryLimits): Promise<QueryOutcome>;
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
