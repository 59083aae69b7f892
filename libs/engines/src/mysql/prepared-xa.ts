import type { Connection, QueryError } from 'mysql2';

type Cell = Buffer | string | number | null;
/** Runs one statement and answers its rows as arrays. */
export type XaQuery = (sql: string) => Promise<unknown[][]>;

/** An XaQuery on a callback connection (a sandbox's). */
export function connectionQuery(conn: Connection): XaQuery {
  return (sql) => query(conn, sql);
}

function query(conn: Connection, sql: string): Promise<Cell[][]> {
  return new Promise((resolve, reject) =>
    conn.query({ sql, rowsAsArray: true }, (err: QueryError | null, rows: unknown) =>
      err ? reject(err) : resolve(rows as Cell[][]),
    ),
  );
}

/** Buffers as they come; the sandbox connections' type cast hands binary columns over as base64. */
const bytesOf = (cell: Cell): Buffer | undefined =>
  Buffer.isBuffer(cell) ? cell : typeof cell === 'string' ? Buffer.from(cell, 'base64') : undefined;

/** The xid as hex literals built from its bytes, so nothing the student put in it reaches the SQL text. */
function xidOf([formatId, gtridLength, , cell]: Cell[]): string | undefined {
  const format = Number(formatId?.toString());
  const split = Number(gtridLength?.toString());
  const data = cell === undefined ? undefined : bytesOf(cell);
  if (!data || !Number.isInteger(format) || !Number.isInteger(split)) return undefined;
  const hex = (bytes: Buffer) => `X'${bytes.toString('hex')}'`;
  return `${hex(data.subarray(0, split))},${hex(data.subarray(split))},${format}`;
}

/**
 * Rolls back the prepared XA transactions this connection can (MariaDB); run after a script on its
 * connection, and by the admin before dropping a sandbox database. Since 10.5 a prepared XA
 * transaction outlives its connection: left by a script (`XA START …; XA PREPARE 'x'`), it would
 * hold its locks for good, keep DROP DATABASE of the sandbox waiting forever, and any login could
 * commit it later. `XA RECOVER` lists every prepared transaction of the server; one still attached
 * to another live session refuses the rollback (it is that session's, mid-script), so only this
 * session's and those whose connection is gone (a script ended at its time limit) are rolled back.
 */
export async function rollBackPreparedXa(run: XaQuery): Promise<number> {
  const prepared = (await run('XA RECOVER')) as Cell[][];
  let rolledBack = 0;
  for (const row of prepared) {
    const xid = xidOf(row);
    if (!xid) continue;
    await run(`XA ROLLBACK ${xid}`).then(
      () => {
        rolledBack += 1;
      },
      () => undefined,
    );
  }
  return rolledBack;
}
