import { describe, expect, it } from 'vitest';
import { limits } from '../test-support/limits.ts';
import { createMysqlSandbox } from '../test-support/mysql-sandbox.ts';
import { sandboxFor } from '../test-support/sandbox.ts';
import { waitFor } from '../test-support/wait-for.ts';
import { MysqlEngine } from './mysql-engine.ts';

const engine = new MysqlEngine();
const db = sandboxFor(engine, createMysqlSandbox, [
  "CREATE TABLE item (id int PRIMARY KEY, name text); INSERT INTO item VALUES (1, 'a;b'), (2, NULL)",
]);

describe('MysqlEngine', () => {
  it('reports a syntax error with its errno, line, position and index, after earlier results', async () => {
    const out = await engine.execute(db.target, 'SELECT 1;\n  SELECT id,\n FROM item', limits());
    expect(out).toMatchObject({
      kind: 'sql-error',
      results: [{ rows: [[1]] }],
      error: { code: '1064', sqlState: '42000', statementIndex: 1, line: 2, position: 13 },
    });
  });

  it('keeps values faithful and JSON-safe', async () => {
    const out = await engine.execute(
      db.target,
      `CREATE TABLE v (big bigint, num decimal(40,9), ts datetime(6), d date, bin blob, vb varbinary(3), nothing text, uni varchar(20));
       INSERT INTO v VALUES (9007199254740993, 12345678901234567890.123456789, '2024-02-29 23:59:59.123456',
                             '2024-02-29', x'00ff10', x'0102', NULL, 'héllo 😀');
       SELECT big, num, ts, d, bin, vb, nothing, uni, true AS yes, 1 AS dup, 2 AS dup FROM v`,
      limits(),
    );
    expect(out.kind).toBe('ok');
    const result = out.results[2];
    expect(result?.columns.map((c) => c.type)).toEqual([
      'BIGINT',
      'DECIMAL',
      'DATETIME',
      'DATE',
      'BLOB',
      'VARBINARY',
      'TEXT',
      'VARCHAR',
      'INT',
      'INT',
      'INT',
    ]);
    expect(result?.columns.map((c) => c.name).slice(-2)).toEqual(['dup', 'dup']);
    expect(result?.rows[0]).toEqual([
      '9007199254740993',
      '12345678901234567890.123456789',
      '2024-02-29 23:59:59.123456',
      '2024-02-29',
      Buffer.from([0, 255, 16]).toString('base64'),
      Buffer.from([1, 2]).toString('base64'),
      null,
      'héllo 😀',
      1,
      1,
      2,
    ]);
    expect(JSON.parse(JSON.stringify(out.results))).toEqual(out.results);
  });

  it('stops keeping rows at the row cap and still counts them', async () => {
    const out = await engine.execute(db.target, 'SELECT seq FROM seq_1_to_300000', limits({ maxRows: 10 }));
    expect(out.kind).toBe('ok');
    expect(out.results[0]?.rows).toHaveLength(10);
    expect(out.results[0]).toMatchObject({ truncated: true, rowCount: 300000 });
  });

  it('survives a huge value', async () => {
    const out = await engine.execute(db.target, "SELECT repeat('x', 20000000) AS huge", limits());
    // MariaDB answers NULL past max_allowed_packet; a value that does arrive is capped by bytes.
    expect(out.kind).toBe('ok');
    const row = out.results[0]?.rows[0];
    expect(row === undefined ? out.results[0]?.truncated : row[0]).toBeOneOf([true, null]);
    expect((await engine.execute(db.target, 'SELECT 1', limits())).kind).toBe('ok');
  });

  it.each([
    ['a long statement', 'SELECT SLEEP(10)'],
    ['max_statement_time switched off first', 'SET SESSION max_statement_time = 0; SELECT SLEEP(10)'],
    ['a per-statement override', 'SET STATEMENT max_statement_time = 0 FOR SELECT SLEEP(10)'],
    ['a long multi-statement script', 'SELECT SLEEP(0.4); SELECT SLEEP(0.4); SELECT SLEEP(0.4); SELECT SLEEP(0.4)'],
  ])('stops %s within a second of the limit and stays usable', async (_name, script) => {
    const started = performance.now();
    const out = await engine.execute(db.target, script, limits({ timeoutMs: 1_000 }));
    const elapsed = performance.now() - started;
    expect(out).toMatchObject({ kind: 'timeout', error: { code: 'QUERY_TIMEOUT' } });
    expect(elapsed).toBeLessThan(2_000);
    const next = await engine.execute(db.target, 'SELECT 1', limits());
    expect(next).toMatchObject({ kind: 'ok', results: [{ rows: [[1]] }] });
  });

  it('does not leak one script’s session state into the next', async () => {
    await engine.execute(
      db.target,
      "SET @x = 5; SET SESSION sql_mode = 'ANSI'; CREATE TEMPORARY TABLE scratch (a int); USE information_schema; START TRANSACTION; INSERT INTO " +
        `\`${db.target.database}\`.item VALUES (9, 'uncommitted')`,
      limits(),
    );
    const [a, b] = await Promise.all([
      engine.execute(db.target, 'SELECT @x, @@sql_mode LIKE "%ANSI%", DATABASE()', limits()),
      engine.execute(db.target, 'SELECT @x, @@sql_mode LIKE "%ANSI%", DATABASE()', limits()),
    ]);
    for (const out of [a, b]) expect(out.results[0]?.rows).toEqual([[null, 0, db.target.database]]);
    const rows = await engine.execute(
      db.target,
      'SELECT count(*) FROM item WHERE id = 9; SELECT * FROM scratch',
      limits(),
    );
    expect(rows.results[0]?.rows).toEqual([['0']]);
    expect(rows).toMatchObject({ kind: 'sql-error', error: { code: '1146', statementIndex: 1 } });
  });

  it('creates and calls a procedure written with the client DELIMITER line', async () => {
    const out = await engine.execute(
      db.target,
      'DELIMITER $$\nCREATE PROCEDURE twice(IN n INT) BEGIN SELECT n; SELECT n * 2 AS doubled; END$$\nDELIMITER ;\nCALL twice(21)',
      limits(),
    );
    expect(out.kind).toBe('ok');
    expect(out.results.at(-2)?.rows).toEqual([[21]]);
    // n * 2 is a BIGINT: big integers come back as strings.
    expect(out.results.at(-1)?.rows).toEqual([['42']]);
  });

  // 20,000 rows of 1 MB were read to the time limit, the worker's CPU with them, to answer QUERY_TIMEOUT.
  it('stops a result far past the byte cap instead of reading it to its end, and stays usable', async () => {
    const out = await engine.execute(
      db.target,
      "SELECT 1; SELECT seq, REPEAT('x', 1000000) FROM seq_1_to_20000",
      limits(),
    );
    expect(out).toMatchObject({ kind: 'sql-error', error: { code: 'STATEMENT_UNSUPPORTED', statementIndex: 1 } });
    expect(out.kind === 'sql-error' && out.error.message).toMatch(/far larger than the result size limit/);
    expect(out.results[0]?.rows).toEqual([[1]]);
    const next = await engine.execute(db.target, 'SELECT COUNT(*) FROM item', limits());
    expect(next).toMatchObject({ kind: 'ok' });
  });

  // 800 MB of result sets in the worker within 5 s, and more for as long as the time limit let it run.
  it('stops a procedure that returns a result set per loop turn, and stays usable', async () => {
    const out = await engine.execute(
      db.target,
      `DELIMITER //
CREATE PROCEDURE flood() BEGIN DECLARE i INT DEFAULT 0; WHILE i < 100000000 DO SELECT i; SET i = i + 1; END WHILE; END //
DELIMITER ;
CALL flood()`,
      limits({ timeoutMs: 30_000, maxBytes: 64 * 1024 }),
    );
    expect(out).toMatchObject({ kind: 'sql-error', error: { code: 'STATEMENT_UNSUPPORTED', statementIndex: 1 } });
    expect(out.kind === 'sql-error' && out.error.message).toMatch(/more result sets than the result size limit/);
    const next = await engine.execute(db.target, 'SELECT 2', limits());
    expect(next).toMatchObject({ kind: 'ok', results: [{ rows: [[2]] }] });
  });

  it.each([
    "LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE item",
    "LOAD XML LOCAL INFILE '/etc/passwd' INTO TABLE item",
  ])('refuses %s with STATEMENT_UNSUPPORTED and stays usable', async (sql) => {
    const out = await engine.execute(db.target, `SELECT 1; ${sql}; SELECT 2`, limits());
    expect(out).toMatchObject({
      kind: 'sql-error',
      results: [{ rows: [[1]] }],
      error: { code: 'STATEMENT_UNSUPPORTED', statementIndex: 1 },
    });
    expect(out.results).toHaveLength(1);
    const next = await engine.execute(db.target, 'SELECT COUNT(*) FROM item', limits());
    expect(next).toMatchObject({ kind: 'ok' });
  });

  it('reports a connection killed mid-query and works again afterwards', async () => {
    const running = engine.execute(db.target, 'SELECT 1; SELECT SLEEP(5)', limits());
    await waitFor(async () => {
      const [rows] = await db.admin.query<import('mysql2').RowDataPacket[]>(
        "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(5)%'",
      );
      for (const row of rows) await db.admin.query(`KILL ${Number(row.ID)}`);
      return rows.length > 0;
    });
    const out = await running;
    expect(out).toMatchObject({
      kind: 'sql-error',
      results: [{ rows: [[1]] }],
      error: { code: 'CONNECTION_LOST', statementIndex: 1 },
    });
    const next = await engine.execute(db.target, 'SELECT 2', limits());
    expect(next).toMatchObject({ kind: 'ok', results: [{ rows: [[2]] }] });
  });

  it('recovers when idle pooled connections were killed', async () => {
    await Promise.all([1, 2].map(() => engine.execute(db.target, 'SELECT 1', limits())));
    const [rows] = await db.admin.query<import('mysql2').RowDataPacket[]>(
      'SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?',
      [db.target.user],
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) await db.admin.query(`KILL ${Number(row.ID)}`);
    const out = await engine.execute(db.target, 'SELECT 3', limits());
    expect(out).toMatchObject({ kind: 'ok', results: [{ rows: [[3]] }] });
  });
});
