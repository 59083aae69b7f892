import type { QueryError } from 'mysql2';
import { describe, expect, it } from 'vitest';
import { isConnectionLoss, toSqlError } from './mysql-errors.ts';

const serverError = (fields: Partial<QueryError> & { sqlMessage: string }): QueryError =>
  Object.assign(new Error(fields.sqlMessage), { fatal: false }, fields) as QueryError;

describe('toSqlError', () => {
  it('uses the errno as the code, with line and position from "near … at line N"', () => {
    const text = 'SELECT id,\n FROM item';
    const err = serverError({
      errno: 1064,
      code: 'ER_PARSE_ERROR',
      sqlState: '42000',
      sqlMessage: "You have an error in your SQL syntax; check the manual ... near 'FROM item' at line 2",
    });
    expect(toSqlError(err, 3, text)).toEqual({
      code: '1064',
      sqlState: '42000',
      message: err.message,
      statementIndex: 3,
      line: 2,
      position: 13,
    });
  });

  it('falls back to the errno when mysql2 has no name for a MariaDB-only error', () => {
    const err = serverError({
      errno: 1969,
      sqlState: '70100',
      sqlMessage: 'Query execution was interrupted (max_statement_time exceeded)',
    });
    (err as { code?: string }).code = undefined;
    expect(toSqlError(err, 0, 'SELECT SLEEP(9)')).toMatchObject({ code: '1969', sqlState: '70100' });
  });

  it('points past the end for a syntax error at the end of the input', () => {
    const err = serverError({ errno: 1064, sqlState: '42000', sqlMessage: "... to use near '' at line 1" });
    expect(toSqlError(err, 0, 'SELECT (1')).toMatchObject({ line: 1, position: 10 });
  });

  it('gives no position when the engine names none', () => {
    const err = serverError({ errno: 1146, sqlState: '42S02', sqlMessage: "Table 'db.x' doesn't exist" });
    expect(toSqlError(err, 0, 'SELECT * FROM x')).not.toHaveProperty('position');
  });
});

describe('isConnectionLoss', () => {
  it('tells a dead connection from a server error', () => {
    expect(
      isConnectionLoss(Object.assign(new Error('Connection lost'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true })),
    ).toBe(true);
    expect(isConnectionLoss(serverError({ errno: 1927, sqlMessage: 'Connection was killed' }))).toBe(true);
    expect(isConnectionLoss(serverError({ errno: 1064, sqlMessage: 'syntax' }))).toBe(false);
  });
});
