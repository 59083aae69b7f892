import type { QueryOutcome, SandboxState, SandboxTarget } from '@sqlfleet/contracts';
import type { EngineName } from '@sqlfleet/core';

/** What a session needs its sandbox to be. */
export interface SandboxSpec {
  sessionId: string;
  engine: EngineName;
  /** Fingerprint of (engine, DBML, data): a sandbox built from another fingerprint is rebuilt. */
  fingerprint: string;
  /** The compiled schema and seed (libs/dbml), applied in order through the sandbox's own login. */
  batches: readonly string[];
}

/** A sandbox that exists: where it is, what built it, and the login that reaches it. */
export interface Sandbox {
  /** Stable id of the sandbox within its provisioner (database name, container name). */
  id: string;
  provisioner: 'server' | 'docker';
  sessionId: string;
  engine: EngineName;
  fingerprint: string;
  target: SandboxTarget;
  createdAt: number;
}

/** A sandbox found by `list()`, for the reaper's orphan sweep. */
export interface SandboxRef {
  id: string;
  engine: EngineName;
  /** The session it was made for, when the provisioner can tell. */
  sessionId?: string;
  /**
   * True when who owns it could not be read just now (a pre-warmed container whose server did not
   * answer): the sweep neither removes it nor counts it missing, and reads it again next time.
   */
  ownerUnknown?: boolean;
}

export interface EnsureResult {
  sandbox: Sandbox;
  state: SandboxState;
}

/**
 * Where sandboxes live. Callers hold the session's fleet-wide lock around `ensure` and `destroy`;
 * implementations are still idempotent, so a retried call after a crash finds and fixes what is there.
 */
export interface Provisioner {
  readonly kind: 'server' | 'docker';
  /**
   * Makes the session's sandbox exist, built from `spec.fingerprint`, ready to answer:
   * reuses `known` (the handle the session store had) when it is still there, answers and matches;
   * creates it when missing; rebuilds it when the fingerprint differs. Throws AppError
   * (SANDBOX_FAILED, CONTAINER_ENGINE_DOWN, ENGINE_UNAVAILABLE) when it cannot.
   */
  ensure(spec: SandboxSpec, known?: Sandbox): Promise<EnsureResult>;
  /**
   * Hands a pre-warmed sandbox just claimed from its exam's pool (built and checked by the pre-warmer,
   * popped by this session alone) to `sandbox.sessionId` without checking it again: the session's first
   * query is the check, and an error there sends the session through `ensure`. Records the session as
   * the sandbox's owner where `list()` reads it (the server's metadata table, the container's own server).
   * It runs behind the first query's answer: until it has, and if it fails, the owner read there is the
   * exam's, and the orphan sweep keeps a sandbox a session holds; `ensure` records the owner too.
   */
  handOver(sandbox: Sandbox): Promise<void>;
  /**
   * Applies the sandbox's storage cap after a query ran in it, and says so in the outcome of a write
   * the cap refused. Absent: this provisioner's sandboxes have no storage cap.
   */
  enforceStorage?(sandbox: Sandbox, outcome: QueryOutcome): Promise<QueryOutcome>;
  /** Removes a sandbox and its login. Idempotent: an unknown id is not an error. */
  destroy(ref: SandboxRef): Promise<void>;
  /** Every sandbox this fleet made that still exists. */
  list(): Promise<SandboxRef[]>;
  /** Drops schema templates nothing was cloned from lately (server provisioner); names dropped. */
  sweepTemplates?(): Promise<string[]>;
  /** Releases admin connections and clients. Idempotent. */
  close(): Promise<void>;
}
