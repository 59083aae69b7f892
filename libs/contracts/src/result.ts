import type { EngineName } from '@sqlfleet/core';

/** A column of a result set, with the engine's own type name (e.g. `int4`, `VARCHAR`). */
export interface Column {
  name: string;
  type: string;
}

/**
 * One statement's result. Rows are arrays in column order, so duplicate column names
 * (`SELECT 1 a, 2 a`) survive. Values are JSON-safe: big integers and decimals as strings,
 * dates as ISO strings, binary as base64, NULL as null.
 */
export interface ResultSet {
  columns: Column[];
  rows: unknown[][];
  /** Rows the statement produced or affected (for DML), even when `rows` was truncated. */
  rowCount: number;
  /** True when the row or byte cap cut `rows` short. */
  truncated: boolean;
  /** The statement's command tag when the engine gives one (`SELECT`, `INSERT`, `CREATE TABLE`...). */
  command?: string;
}

/** Why a script stopped early. `code` is the engine's (SQLSTATE or errno) or one of ours. */
export interface SqlError {
  /** Engine code (PG SQLSTATE `42601`, MySQL errno `1064`), or `QUERY_TIMEOUT` / `CONNECTION_LOST` / `STORAGE_FULL`. */
  code: string;
  message: string;
  /** 0-based index of the statement that failed. */
  statementIndex: number;
  /** 1-based character position within the statement, where the engine gives one. */
  position?: number;
  /** 1-based line within the statement, where the engine gives one. */
  line?: number;
  /** SQLSTATE, where the engine gives one besides its own code. */
  sqlState?: string;
  detail?: string;
  hint?: string;
}

/** What running a student's script produced. A SQL error is an outcome, never an exception. */
export type QueryOutcome = (
  | { kind: 'ok'; results: ResultSet[]; durationMs: number }
  | { kind: 'sql-error'; results: ResultSet[]; error: SqlError; durationMs: number }
  | { kind: 'timeout'; results: ResultSet[]; error: SqlError; durationMs: number }
) & {
  /**
   * Set when an earlier run of the same job died with its worker and the engine could tell what that
   * run left: `committed` (this run was skipped: its writes are in, its result sets are lost) or
   * `rolled-back` (it left nothing; this run is the only one that applied).
   */
  earlierRun?: EarlierRun;
};

/** What an earlier run of a job, whose worker died under it, left in the sandbox. */
export type EarlierRun = 'committed' | 'rolled-back' | 'unknown';

export type SandboxState = 'created' | 'reused' | 'recreated';

/** What a client receives for a query, over HTTP and Socket.IO. */
export interface QueryResult {
  success: boolean;
  jobId: string;
  sessionId: string;
  engine: EngineName;
  sandbox: SandboxState;
  results: ResultSet[];
  /** The last result set's rows as objects (the original payload's shape). */
  rows: Record<string, unknown>[];
  durationMs: number;
  error?: SqlError;
  /**
   * Present only when this query ran before and its worker died under it (issue 10 item 4):
   * `afterCrashes` earlier runs never ended; `earlierRun` says what they left. `committed`: the
   * earlier run's writes are in and it was not run again (`results` is empty); `rolled-back`: it
   * left nothing and this answer is the only run that applied; `unknown`: the engine cannot tell
   * (MySQL, SQL Server, a script of several statements), so its writes may have applied twice.
   */
  rerun?: { afterCrashes: number; earlierRun: EarlierRun };
}

/** Limits applied to one script run. */
export interface QueryLimits {
  timeoutMs: number;
  maxRows: number;
  maxBytes: number;
}
