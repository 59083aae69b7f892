import sql from 'mssql';
import { ConnectionError, RequestError as TediousRequestError } from 'tedious';
import { describe, expect, it } from 'vitest';
import { batchFailure, type DriverError, isCancel, isConnectionLost, isTimeout, toSqlError } from './mssql-errors.ts';

/**
 * Errors built the way mssql 12 builds them: a server ERROR token becomes an Error carrying the
 * token as `info`, wrapped in mssql's RequestError (tedious/request.js, handleError); the driver's
 * own failures are tedious errors wrapped the same way.
 */
function serverError(info: {
  number: number;
  state: number;
  class: number;
  message: string;
  lineNumber: number;
  procName?: string;
}): DriverError {
  const inner = Object.assign(new Error(info.message), {
    info: { name: 'ERROR', serverName: 'sandbox-sql', procName: '', ...info },
  });
  return new sql.RequestError(inner, 'EREQUEST') as unknown as DriverError;
}

const driverError = (error: Error): DriverError => new sql.RequestError(error, 'EREQUEST') as unknown as DriverError;

const syntax = serverError({
  number: 102,
  state: 1,
  class: 15,
  message: "Incorrect syntax near 'FORM'.",
  lineNumber: 2,
});

describe('toSqlError', () => {
  it('keeps the server error number, state and line within the batch', () => {
    expect(toSqlError(syntax, 1)).toEqual({
      code: '102',
      message: "Incorrect syntax near 'FORM'.",
      statementIndex: 1,
      line: 2,
      sqlState: '1',
    });
  });

  it('names the procedure an error was raised in', () => {
    const inProc = serverError({
      number: 50000,
      state: 1,
      class: 16,
      message: 'no stock',
      lineNumber: 4,
      procName: 'dbo.take',
    });
    expect(toSqlError(inProc, 0)).toMatchObject({ code: '50000', line: 4, detail: 'in dbo.take' });
  });
});

describe('classifying driver errors', () => {
  it('tells timeouts, cancels and lost connections apart', () => {
    const timeout = driverError(new TediousRequestError('Timeout: Request failed to complete in 1000ms', 'ETIMEOUT'));
    const cancel = driverError(new TediousRequestError('Canceled.', 'ECANCEL'));
    const socket = driverError(new ConnectionError('Connection lost - read ECONNRESET', 'ESOCKET'));
    const closed = driverError(new TediousRequestError('Connection closed before request completed.', 'ECLOSE'));
    expect([isTimeout(timeout), isCancel(timeout), isConnectionLost(timeout)]).toEqual([true, false, false]);
    expect([isTimeout(cancel), isCancel(cancel), isConnectionLost(cancel)]).toEqual([false, true, false]);
    expect(isConnectionLost(socket)).toBe(true);
    expect(isConnectionLost(closed)).toBe(true);
    expect(isConnectionLost(syntax)).toBe(false);
  });

  it('takes a fatal-severity server error for a lost connection', () => {
    const killed = serverError({
      number: 596,
      state: 1,
      class: 21,
      message: 'Cannot continue the execution because the session is in the kill state.',
      lineNumber: 1,
    });
    expect(isConnectionLost(killed)).toBe(true);
  });
});

describe('batchFailure', () => {
  it('reports the first server error, not the "statement has been terminated" that follows it', () => {
    const duplicate = serverError({
      number: 2627,
      state: 1,
      class: 14,
      message: "Violation of PRIMARY KEY constraint 'pk_t'.",
      lineNumber: 3,
    });
    const terminated = serverError({
      number: 3621,
      state: 0,
      class: 0,
      message: 'The statement has been terminated.',
      lineNumber: 3,
    });
    expect(batchFailure([duplicate, terminated], 2)).toMatchObject({ code: '2627', statementIndex: 2, line: 3 });
  });

  it('reports a lost connection as CONNECTION_LOST with the reason', () => {
    const socket = driverError(new ConnectionError('Connection lost - read ECONNRESET', 'ESOCKET'));
    expect(batchFailure([socket], 0)).toMatchObject({
      code: 'CONNECTION_LOST',
      message: expect.stringContaining('ECONNRESET'),
      statementIndex: 0,
    });
  });

  it('finds no failure in a batch that only saw our own cancel, or nothing', () => {
    expect(batchFailure([driverError(new TediousRequestError('Canceled.', 'ECANCEL'))], 0)).toBeUndefined();
    expect(batchFailure([], 0)).toBeUndefined();
  });
});
