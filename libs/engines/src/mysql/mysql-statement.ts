import type { Column, ResultSet } from '@sqlfleet/contracts';
import type { Connection, FieldPacket, ResultSetHeader } from 'mysql2';
import { type ByteBudget, ResultBuilder, rowTextLength } from '../result-builder.ts';
import { UnsupportedStatement } from '../script-runner.ts';
import { mysqlCommandOf } from './mysql-command.ts';
import { mysqlTypeName } from './mysql-types.ts';

interface RowSet {
  columns: Column[];
  builder: ResultBuilder;
}

const TOO_MANY_RESULT_SETS =
  'This statement returned more result sets than the result size limit holds, and was stopped: return fewer (one SELECT after a loop, not one per turn)';
const FAR_TOO_LARGE =
  'This result is far larger than the result size limit and was not read to its end: select fewer or smaller rows (LIMIT, LEFT(), LENGTH())';
/**
 * Text of rows dropped past the caps after which the statement is stopped instead of read to its end. High
 * enough that 10 million small rows are still read through for their exact count (~1 s of worker CPU);
 * 20,000 rows of 1 MB used to take the worker's CPU until the time limit answered QUERY_TIMEOUT.
 */
const STOP_PAST_DROPPED_CHARS = 256 * 1024 * 1024;

/**
 * Runs one statement, streaming its rows. Past the cap rows are still read off the wire but
 * dropped (MySQL cannot abandon a result set and keep the session), so `rowCount` is exact; the
 * time limit still bounds the reading, and so does STOP_PAST_DROPPED_CHARS. A CALL may give several result
 * sets: past what the byte budget holds of them, the statement is stopped (`stopServer`) and refused too.
 */
export function runMysqlStatement(
  conn: Connection,
  text: string,
  maxRows: number,
  budget: ByteBudget,
  stopServer: () => void,
): Promise<ResultSet[]> {
  return new Promise((resolve, reject) => {
    const rowSets: RowSet[] = [];
    const headers: ResultSetHeader[] = [];
    let current: RowSet | undefined;
    let failed = false;
    /** Why the statement was stopped, once it was. */
    let refused: string | undefined;
    let dropped = 0;
    const refuse = (why: string): void => {
      if (refused !== undefined) return;
      refused = why;
      stopServer();
    };
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      conn.off('error', fail);
      reject(refused !== undefined ? new UnsupportedStatement(refused, { cause: err }) : err);
    };
    // A query without a callback hears nothing of a dropped connection: only the connection does.
    conn.on('error', fail);
    const query = conn.query({ sql: text, rowsAsArray: true });
    query.on('fields', (fields: FieldPacket[] | undefined) => {
      // mysql2 announces an OK result (DML, DDL, SET) with no fields at all.
      if (!fields) return;
      current = undefined;
      if (refused !== undefined) return;
      const columns = columnsOf(fields);
      if (!budget.takeResultSet(columns)) {
        refuse(TOO_MANY_RESULT_SETS);
        return;
      }
      current = { columns, builder: new ResultBuilder(maxRows, budget) };
      rowSets.push(current);
    });
    query.on('result', (row: unknown) => {
      if (!Array.isArray(row)) headers.push(row as ResultSetHeader);
      else if (current && !current.builder.add(row)) {
        dropped += rowTextLength(row);
        if (dropped > STOP_PAST_DROPPED_CHARS) refuse(FAR_TOO_LARGE);
      }
    });
    query.on('error', fail);
    query.on('end', () => {
      conn.off('error', fail);
      if (failed) return;
      if (refused !== undefined) {
        reject(new UnsupportedStatement(refused));
        return;
      }
      const command = mysqlCommandOf(text);
      if (rowSets.length > 0) {
        resolve(rowSets.map(({ columns, builder }) => builder.build(columns, builder.seen, command)));
        return;
      }
      const header = headers[0];
      resolve([new ResultBuilder(0, budget).build([], header?.affectedRows ?? 0, command)]);
    });
  });
}

/** Kept as soon as the set starts: mysql2's field packets are far larger than a name and a type. */
function columnsOf(fields: FieldPacket[]): Column[] {
  return fields.map((f) => ({ name: f.name, type: mysqlTypeName(f) }));
}
