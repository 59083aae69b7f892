import type { SqlError } from '@sqlfleet/contracts';
import { AppError } from '@sqlfleet/core';
import type { QueryError } from 'mysql2';
import { compact, STATEMENT_UNSUPPORTED } from '../outcome.ts';
import type { EngineErrors } from '../script-runner.ts';

/** MariaDB max_statement_time (1969) and MySQL 8 max_execution_time (3024): the server-side limit. */
const SERVER_TIMEOUT_ERRNOS: ReadonlySet<number> = new Set([1969, 3024]);
/** ER_QUERY_INTERRUPTED: a KILL QUERY, ours or someone else's. */
const QUERY_INTERRUPTED = 1317;
/**
 * LOAD DATA LOCAL refused: the client never reads files for the server (MariaDB 4166, MySQL 8 3948,
 * older servers' ER_NOT_ALLOWED_COMMAND 1148). Reported as the same code as PostgreSQL's COPY FROM STDIN.
 */
const LOCAL_INFILE_ERRNOS: ReadonlySet<number> = new Set([1148, 3948, 4166]);
/** ER_CONNECTION_KILLED (MariaDB), server gone away, lost during query. */
const CONNECTION_ERRNOS: ReadonlySet<number> = new Set([1927, 2006, 2013]);

export function isMysqlServerError(err: unknown): err is QueryError {
  return err instanceof Error && typeof (err as QueryError).errno === 'number' && !(err as QueryError).fatal;
}

export function isConnectionLoss(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as QueryError;
  return (
    e.fatal === true ||
    CONNECTION_ERRNOS.has(e.errno ?? -1) ||
    e.code === 'PROTOCOL_CONNECTION_LOST' ||
    e.code === 'ECONNRESET' ||
    e.code === 'EPIPE' ||
    /closed state|connection lost/i.test(e.message)
  );
}

/**
 * The server's error, positioned within the statement. mysql2 leaves `code` undefined for
 * MariaDB-only errors, so the code is always the errno. MySQL gives no position, only
 * "near '…' at line N": the position is where that text starts on that line.
 */
export function toSqlError(err: QueryError, statementIndex: number, statementText: string): SqlError {
  const message = (err as QueryError & { sqlMessage?: string }).sqlMessage ?? err.message;
  if (LOCAL_INFILE_ERRNOS.has(err.errno ?? -1)) {
    return compact({
      code: STATEMENT_UNSUPPORTED,
      sqlState: err.sqlState,
      message: 'LOAD … LOCAL INFILE is not supported here: the sandbox reads no client files; use INSERT … VALUES',
      statementIndex,
      detail: message,
    });
  }
  const line = /at line (\d+)\s*$/.exec(message)?.[1];
  return compact({
    code: String(err.errno ?? err.code ?? 'UNKNOWN'),
    sqlState: err.sqlState,
    message,
    statementIndex,
    line: line ? Number(line) : undefined,
    position: line ? positionOfNear(message, statementText, Number(line)) : undefined,
  });
}

function positionOfNear(message: string, text: string, line: number): number | undefined {
  const near = /near '([\s\S]*)' at line \d+\s*$/.exec(message)?.[1];
  if (near === undefined) return undefined;
  const lines = text.split('\n');
  const lineStart = lines.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0);
  if (near === '') return text.length + 1;
  const found = text.indexOf(near, lineStart);
  return found === -1 ? undefined : Array.from(text.slice(0, found)).length + 1;
}

/**
 * ER_CON_COUNT_ERROR (the server's max_connections), ER_TOO_MANY_USER_CONNECTIONS (the login's
 * max_user_connections), ER_USER_LIMIT_REACHED (a per-hour resource limit).
 */
const SERVER_FULL_ERRNOS: ReadonlySet<number> = new Set([1040, 1203, 1226]);

/**
 * Why a sandbox login could not connect, as a retryable error: a full server is SERVER_BUSY; anything
 * else (refused, timed out, access denied, database gone) is SANDBOX_UNREACHABLE. Neither says the
 * sandbox is broken: only the admin connection can tell that it is missing.
 */
export function mysqlConnectFailure(err: unknown): AppError {
  const reason = err instanceof Error ? err.message : String(err);
  if (SERVER_FULL_ERRNOS.has((err as QueryError | null)?.errno ?? -1)) {
    return new AppError('SERVER_BUSY', `MySQL refused a connection: ${reason}`, { cause: err });
  }
  return new AppError('SANDBOX_UNREACHABLE', `Could not connect to the sandbox: ${reason}`, { cause: err });
}

export const mysqlErrors: EngineErrors = {
  isServerError: isMysqlServerError,
  isConnectionLoss,
  isStopped: (err) => {
    const errno = (err as QueryError).errno ?? -1;
    return SERVER_TIMEOUT_ERRNOS.has(errno) || errno === QUERY_INTERRUPTED;
  },
  toSqlError: (err, statementIndex, statementText) => toSqlError(err as QueryError, statementIndex, statementText),
  // A killed SLEEP() returns 1 instead of failing: the deadline, not the result, says it was stopped.
  cancelMayLookLikeSuccess: true,
};
