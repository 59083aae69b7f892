import type { SqlError } from '@sqlfleet/contracts';
import { AppError } from '@sqlfleet/core';
import { DatabaseError } from 'pg';
import { compact, lineOfPosition } from '../outcome.ts';
import type { EngineErrors } from '../script-runner.ts';

/** SQLSTATE 57014: the statement was cancelled (our watchdog, statement_timeout, or someone else). */
const QUERY_CANCELED = '57014';

/** The database's structured error, kept whole, positioned within the statement. */
export function toSqlError(err: DatabaseError, statementIndex: number, statementText: string): SqlError {
  const position = err.position ? Number(err.position) : undefined;
  return compact({
    code: err.code ?? 'XX000',
    sqlState: err.code,
    message: err.message,
    statementIndex,
    position,
    line: position ? lineOfPosition(statementText, position) : undefined,
    detail: err.detail,
    hint: err.hint,
  });
}

export function isDatabaseError(err: unknown): err is DatabaseError {
  return err instanceof DatabaseError;
}

/**
 * The session is gone: the socket closed, or the server ended the backend
 * (57P01 pg_terminate_backend / DROP DATABASE … WITH (FORCE), class 08 connection exceptions).
 */
export function isConnectionLoss(err: unknown): boolean {
  if (isDatabaseError(err)) return err.code === '57P01' || err.code === '57P02' || err.code?.startsWith('08') === true;
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code;
  return (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ECONNREFUSED' ||
    /connection terminated|not queryable|connection error|Connection ended/i.test(err.message)
  );
}

/** SQLSTATE 53300 too_many_connections: the server's slots, or the login's CONNECTION LIMIT, are all taken. */
const TOO_MANY_CONNECTIONS = '53300';

/**
 * Why a sandbox login could not connect, as a retryable error: a full server is SERVER_BUSY; anything
 * else (refused, timed out, password refused, database gone) is SANDBOX_UNREACHABLE. Neither says the
 * sandbox is broken: only the admin connection can tell that it is missing.
 */
export function postgresConnectFailure(err: unknown): AppError {
  const reason = err instanceof Error ? err.message : String(err);
  if (isDatabaseError(err) && err.code === TOO_MANY_CONNECTIONS) {
    return new AppError('SERVER_BUSY', `PostgreSQL refused a connection: ${reason}`, { cause: err });
  }
  return new AppError('SANDBOX_UNREACHABLE', `Could not connect to the sandbox: ${reason}`, { cause: err });
}

export const postgresErrors: EngineErrors = {
  isServerError: isDatabaseError,
  isConnectionLoss,
  isStopped: (err) => isDatabaseError(err) && err.code === QUERY_CANCELED,
  toSqlError: (err, statementIndex, statementText) => toSqlError(err as DatabaseError, statementIndex, statementText),
  cancelMayLookLikeSuccess: false,
};
