import type { SqlError } from '@sqlfleet/contracts';
import { connectionLostError } from '../outcome.ts';

/** The fields mssql's RequestError carries over from the server's ERROR token (or tedious's own error). */
export interface DriverError {
  message?: string;
  /** Driver code: `EREQUEST` for a server error, `ETIMEOUT`, `ECANCEL`, `ESOCKET`, `ECLOSE`... */
  code?: string;
  /** The server's error number; mssql copies tedious's code here for errors of the driver's own. */
  number?: number | string;
  state?: number | string;
  class?: number | string;
  lineNumber?: number;
  serverName?: string;
  procName?: string;
}

/** Driver codes that mean the connection itself went away (killed session, network, server stop). */
const CONNECTION_CODES = new Set(['ESOCKET', 'ECLOSE', 'ECONNCLOSED', 'ENOTOPEN', 'EINVALIDSTATE', 'ECONNRESET']);

/** Severity 20 and above: the server ends the connection along with the batch. */
const FATAL_SEVERITY = 20;

export const isConnectionLost = (error: DriverError): boolean =>
  CONNECTION_CODES.has(error.code ?? '') || Number(error.class ?? 0) >= FATAL_SEVERITY;

export const isTimeout = (error: DriverError): boolean => error.code === 'ETIMEOUT';

export const isServerError = (error: DriverError): boolean => typeof error.number === 'number';

export const isCancel = (error: DriverError): boolean => error.code === 'ECANCEL';

/** A server error (a student's mistake) as the outcome reports it; `line` is within the failing batch. */
export function toSqlError(error: DriverError, statementIndex: number): SqlError {
  const out: SqlError = {
    code: String(error.number ?? error.code ?? 'UNKNOWN'),
    message: error.message ?? '',
    statementIndex,
  };
  if (error.lineNumber !== undefined && error.lineNumber > 0) out.line = error.lineNumber;
  if (error.state !== undefined && error.state !== null) out.sqlState = String(error.state);
  // An error raised inside a procedure, trigger or function the student wrote: say which.
  if (error.procName) out.detail = `in ${error.procName}`;
  return out;
}

/**
 * What ended a batch, from every error the driver reported for it, in order. The first server error
 * is the informative one (SQL Server often follows it with "The statement has been terminated").
 */
export function batchFailure(errors: readonly DriverError[], statementIndex: number): SqlError | undefined {
  const lost = errors.find(isConnectionLost);
  if (lost) return connectionLostError(statementIndex, lost.message ?? 'the server closed it');
  const server = errors.find(isServerError);
  if (server) return toSqlError(server, statementIndex);
  const other = errors.find((e) => !isCancel(e) && !isTimeout(e));
  return other
    ? { code: other.code ?? 'UNKNOWN', message: other.message ?? 'The driver failed', statementIndex }
    : undefined;
}
