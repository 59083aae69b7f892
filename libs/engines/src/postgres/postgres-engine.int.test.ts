import { describe, expect, it } from 'vitest';
import { limits } from '../test-support/limits.ts';
import { createPostgresSandbox } from '../test-support/postgres-sandbox.ts';
import { sandboxFor } from '../test-support/sandbox.ts';
import { waitFor } from '../test-support/wait-for.ts';
import { PostgresEngine } from './postgres-engine.ts';

const engine = new PostgresEngine();
const db = sandboxFor(engine, createPostgresSandbox, [
  'CREATE TABLE item (id int PRIMARY KEY, name text); INSERT INTO item VALUES (1, $$a;b$$), (2, NULL)',
]);

describe('PostgresEngine', () => {
  it('runs the sandbox login without superuser rights', async () => {
    const out = await engine.execute(db.target, 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user', limits());
    expect(out).toMatchObject({ kind: 'ok', results: [{ rows: [[false]] }] });
  });

  it('reports a syntax error with its code, position in the statement and index, after earlier results', async () => {
    const out = await engine.execute(db.target, 'SELECT 1;\n  SELECT id,\n FROM item', limits());
    expect(out).toMatchObject({
      kind: 'sql-error',
      results: [{ rows: [[1]] }],
      error: { code: '42601', sqlState: '42601', statementIndex: 1, position: 13, line: 2 },
    });
    expect(out.kind === 'sql-error' && out.error.message).toMatch(/syntax error at or near "FROM"/);
  });

  it('keeps values faithful and JSON-safe', async () => {
    const out = await engine.execute(
      db.target,
      `SELECT 9007199254740993::int8 AS big, 12345678901234567890.123456789::numeric AS num,
              timestamp '2024-02-29 23:59:59.123456' AS ts, timestamptz '2024-01-01 12:00:00+00' AS tstz,
              date '2024-02-29' AS d, '\\x00ff10'::bytea AS bin, NULL::text AS nothing, 'héllo 😀' AS uni,
              true AS yes, 1.5::float8 AS f, 'NaN'::float8 AS nan, '{"n": 12345678901234567890}'::jsonb AS j,
              1 AS dup, 2 AS dup`,
      limits(),
    );
    expect(out.kind).toBe('ok');
    const [result] = out.results;
    expect(result?.columns.map((c) => c.type)).toEqual([
      'int8',
      'numeric',
      'timestamp',
      'timestamptz',
      'date',
      'bytea',
      'text',
      'text',
      'bool',
      'float8',
      'float8',
      'jsonb',
      'int4',
      'int4',
    ]);
    expect(result?.rows[0]).toEqual([
      '9007199254740993',
      '12345678901234567890.123456789',
      '2024-02-29 23:59:59.123456',
      '2024-01-01 12:00:00+00',
      '2024-02-29',
      Buffer.from([0, 255, 16]).toString('base64'),
      null,
      'héllo 😀',
      true,
      1.5,
      'NaN',
      '{"n": 12345678901234567890}',
      1,
      2,
    ]);
    expect(JSON.parse(JSON.stringify(out.results))).toEqual(out.results);
  });

  it('names user-defined types', async () => {
    const out = await engine.execute(db.target, "CREATE TYPE mood AS ENUM ('ok'); SELECT 'ok'::mood AS m", limits());
    expect(out.results[1]).toMatchObject({ columns: [{ name: 'm', type: 'mood' }], rows: [['ok']] });
  });

  it('stops reading at the row cap', async () => {
    const out = await engine.execute(db.target, 'SELECT g FROM generate_series(1, 300000) g', limits({ maxRows: 10 }));
    expect(out.kind).toBe('ok');
    expect(out.results[0]?.rows).toEqual([[1], [2], [3], [4], [5], [6], [7], [8], [9], [10]]);
    expect(out.results[0]?.truncated).toBe(true);
  });

  it('is not truncated when the result has exactly the cap', async () => {
    const out = await engine.execute(db.target, 'SELECT g FROM generate_series(1, 10) g', limits({ maxRows: 10 }));
    expect(out.results[0]).toMatchObject({ truncated: false, rowCount: 10 });
  });

  it('counts every row of a result read in several batches', async () => {
    const out = await engine.execute(db.target, 'SELECT g FROM generate_series(1, 1234) g', limits());
    expect(out.results[0]).toMatchObject({ truncated: false, rowCount: 1234 });
    expect(out.results[0]?.rows).toHaveLength(1234);
  });

  it('survives a 20 MB value by leaving it out of a capped result', async () => {
    const out = await engine.execute(db.target, "SELECT repeat('x', 20000000) AS huge", limits());
    expect(out).toMatchObject({ kind: 'ok', results: [{ rows: [], truncated: true }] });
    const next = await engine.execute(db.target, 'SELECT 1', limits());
    expect(next.kind).toBe('ok');
  });

  it('keeps a capped result right when the rows past the byte cap are dropped unread', async () => {
    // 300 rows of 100 kB in one batch of 500, with 1 MiB to fill: the rows past twice that are dropped unread.
    const out = await engine.execute(
      db.target,
      "SELECT g, repeat('x', 100000) FROM generate_series(1, 300) g",
      limits({ maxBytes: 1024 * 1024 }),
    );
    expect(out).toMatchObject({ kind: 'ok', results: [{ truncated: true, rowCount: 300 }] });
    expect(out.results[0]?.rows.map((row) => row[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it.each([
    ['a long statement', 'SELECT pg_sleep(10)'],
    ['statement_timeout switched off first', 'SET statement_timeout = 0; SELECT pg_sleep(10)'],
    [
      'a long multi-statement script',
      'SELECT pg_sleep(0.4); SELECT pg_sleep(0.4); SELECT pg_sleep(0.4); SELECT pg_sleep(0.4)',
    ],
    ['a loop in a DO block', 'SET statement_timeout = 0; DO $$ BEGIN LOOP PERFORM 1; END LOOP; END $$'],
  ])('stops %s within a second of the limit and stays usable', async (_name, script) => {
    const started = performance.now();
    const out = await engine.execute(db.target, script, limits({ timeoutMs: 1_000 }));
    const elapsed = performance.now() - started;
    expect(out).toMatchObject({ kind: 'timeout', error: { code: 'QUERY_TIMEOUT' } });
    expect(elapsed).toBeLessThan(2_000);
    const next = await engine.execute(db.target, 'SHOW statement_timeout; SELECT 1', limits());
    expect(next).toMatchObject({ kind: 'ok', results: [{}, { rows: [[1]] }] });
  });

  // Issue 10: pg-cursor has no COPY handlers, and the TypeError it threw killed the worker process.
  it.each([
    ['COPY … TO STDOUT', 'COPY (SELECT 1) TO STDOUT'],
    ['an empty COPY … TO STDOUT', 'COPY (SELECT 1 WHERE false) TO STDOUT'],
    ['a COPY that would stream 100 million rows', 'COPY (SELECT generate_series(1, 100000000)) TO STDOUT'],
    ['COPY … FROM STDIN', 'COPY item FROM STDIN'],
    ['COPY … FROM STDIN in a transaction', 'BEGIN; COPY item (id) FROM STDIN'],
  ])('refuses %s with STATEMENT_UNSUPPORTED and stays usable', async (_name, sql) => {
    const out = await engine.execute(db.target, `SELECT 1; ${sql}; SELECT 2`, limits({ timeoutMs: 20_000 }));
    expect(out).toMatchObject({ kind: 'sql-error', error: { code: 'STATEMENT_UNSUPPORTED' } });
    expect(out.results[0]?.rows).toEqual([[1]]);
    // The script stopped at the COPY: nothing after it ran.
    expect(out.kind === 'sql-error' && out.error.statementIndex).toBe(out.results.length);
    const next = await engine.execute(db.target, 'SELECT count(*) FROM item', limits());
    expect(next).toMatchObject({ kind: 'ok', results: [{ rows: [['2']] }] });
    const copies = await db.admin.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'COPY%' AND state <> 'idle'",
      [db.target.database],
    );
    expect(copies.rows[0].n).toBe(0);
  });

  it.each([
    ['psql’s \\copy', '\\copy item to stdout'],
    ['a replication command', 'START_REPLICATION SLOT s LOGICAL 0/0'],
  ])('answers %s as the server’s own error', async (_name, sql) => {
    const out = await engine.execute(db.target, sql, limits());
    expect(out).toMatchObject({ kind: 'sql-error', error: { code: '42601' } });
  });

  it('survives a flood of large notices and notifications', async () => {
    const out = await engine.execute(
      db.target,
      `LISTEN flood; SELECT pg_notify('flood', repeat('n', 7000)) FROM generate_series(1, 2000);
       DO $$ BEGIN FOR i IN 1..2000 LOOP RAISE NOTICE '%', repeat('x', 100000); END LOOP; END $$; SELECT 3`,
      limits({ timeoutMs: 20_000 }),
    );
    expect(out).toMatchObject({ kind: 'ok' });
    expect(out.results.at(-1)?.rows).toEqual([[3]]);
  });

  // The reset written behind a script's last statement runs inside a transaction the script left open:
  // that one is rolled back, and the session reset again outside it.
  it.each([
    ['ending in a transaction left open', "BEGIN; INSERT INTO item VALUES (9, 'uncommitted')"],
    ['ending outside any transaction', "SET DateStyle = 'German'"],
  ])('does not leak one script’s session state into the next (%s)', async (_name, ending) => {
    await engine.execute(
      db.target,
      "SET search_path = pg_catalog; SET DateStyle = 'SQL, DMY'; SET statement_timeout = 0; CREATE TEMP TABLE scratch (a int); " +
        `PREPARE leak AS SELECT 1; LISTEN leak; DECLARE held CURSOR WITH HOLD FOR SELECT 1; ${ending}`,
      limits(),
    );
    const probe =
      "SHOW DateStyle; SHOW search_path; SELECT to_regclass('scratch') IS NULL; " +
      'SELECT count(*) FROM pg_prepared_statements; SELECT count(*) FROM pg_listening_channels(); ' +
      "SELECT count(*) FROM pg_cursors WHERE name = 'held'; SHOW statement_timeout";
    // Both pooled connections are checked: two scripts at once take both.
    const [a, b] = await Promise.all([
      engine.execute(db.target, probe, limits({ timeoutMs: 4_000 })),
      engine.execute(db.target, probe, limits({ timeoutMs: 4_000 })),
    ]);
    for (const out of [a, b]) {
      const values = out.results.map((r) => r.rows[0]?.[0]);
      expect(values.slice(0, -1)).toEqual(['ISO, MDY', '"$user", public', true, '0', '0', '0']);
      // The script's own limit (what is left of its 4 s) is in force, not the 0 the last script set.
      expect(values.at(-1)).toMatch(/^(4s|3\d{3}ms)$/);
    }
    const rows = await engine.execute(db.target, 'SELECT count(*) FROM item WHERE id = 9', limits());
    expect(rows.results[0]?.rows).toEqual([['0']]);
  });

  it('gives a script a longer limit than the last one’s, though the reset between them set the last one’s', async () => {
    await engine.execute(db.target, 'SELECT 1', limits({ timeoutMs: 1_000 }));
    const out = await engine.execute(db.target, 'SELECT pg_sleep(1.5); SELECT 2', limits({ timeoutMs: 4_000 }));
    expect(out).toMatchObject({ kind: 'ok', results: [{}, { rows: [[2]] }] });
  });

  it('reports a commit the server refuses after the statement completed (a deferred constraint)', async () => {
    const setup = 'CREATE TABLE deferred_pair (n int UNIQUE DEFERRABLE INITIALLY DEFERRED)';
    expect(await engine.execute(db.target, setup, limits())).toMatchObject({ kind: 'ok' });
    // Not one statement of ours to wrap: each commits at its Sync, after its CommandComplete.
    const out = await engine.execute(db.target, 'INSERT INTO deferred_pair VALUES (1), (1); SELECT 2', limits());
    expect(out).toMatchObject({ kind: 'sql-error', error: { code: '23505', statementIndex: 0 } });
    const rows = await engine.execute(db.target, 'SELECT count(*) FROM deferred_pair', limits());
    expect(rows.results[0]?.rows).toEqual([['0']]);
  });

  // Each once ended the worker's process: a value past V8's longest string threw from pg's parser inside the
  // socket's data handler; 500 rows of 100 MB in one batch were held until the batch ended, past the heap.
  it.each([
    ['a value too large to return', "SELECT repeat('x', 300000000)", /too large to return/],
    [
      'a result far past the byte cap',
      "SELECT repeat('x', 100000000) FROM generate_series(1, 500)",
      /far larger than the result size limit/,
    ],
  ])('refuses %s without holding it, and works again afterwards', async (_, sql, message) => {
    const out = await engine.execute(db.target, `SELECT 1; ${sql}`, limits({ timeoutMs: 20_000 }));
    expect(out).toMatchObject({ kind: 'sql-error', error: { code: 'STATEMENT_UNSUPPORTED', statementIndex: 1 } });
    expect(out.kind === 'sql-error' && out.error.message).toMatch(message);
    expect(out.results[0]?.rows).toEqual([[1]]);
    const next = await engine.execute(db.target, 'SELECT 2', limits());
    expect(next).toMatchObject({ kind: 'ok', results: [{ rows: [[2]] }] });
  });

  it("cuts a student's own error text of 30 MB to a readable length", async () => {
    const out = await engine.execute(
      db.target,
      "DO $$ BEGIN RAISE EXCEPTION '%', repeat('x', 30000000) USING HINT = repeat('h', 30000000); END $$",
      limits(),
    );
    expect(out).toMatchObject({ kind: 'sql-error', error: { code: 'P0001' } });
    const error = out.kind === 'sql-error' ? out.error : undefined;
    expect(error?.message).toMatch(/^x+… \(cut: 30000000 characters in all\)$/);
    expect(error?.hint).toMatch(/^h+… \(cut: 30000000 characters in all\)$/);
    expect(JSON.stringify(out).length).toBeLessThan(100_000);
  });

  it('reports a connection killed mid-query and works again afterwards', async () => {
    const running = engine.execute(db.target, 'SELECT 1; SELECT pg_sleep(5)', limits());
    await waitFor(async () => {
      const found = await db.admin.query(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%pg_sleep(5)%' AND pid <> pg_backend_pid()",
        [db.target.database],
      );
      for (const row of found.rows) await db.admin.query('SELECT pg_terminate_backend($1)', [row.pid]);
      return found.rowCount !== 0;
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

  it('recovers when idle pooled connections were terminated', async () => {
    await engine.execute(db.target, 'SELECT 1', limits());
    await db.admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
      db.target.database,
    ]);
    const out = await engine.execute(db.target, 'SELECT 3', limits());
    expect(out).toMatchObject({ kind: 'ok', results: [{ rows: [[3]] }] });
  });
});

describe('PostgresEngine, a connection prepared ahead (an exam’s pre-warmed sandbox)', () => {
  const ahead = new PostgresEngine();
  const box = sandboxFor(ahead, createPostgresSandbox, [
    'CREATE SCHEMA "Exam Data"; CREATE TABLE "Exam Data"."Order Items" (id int); INSERT INTO "Exam Data"."Order Items" VALUES (7)',
  ]);

  it('runs its first script under the limit it was readied for, and later ones under their own', async () => {
    // The connection that applied the schema goes: the first script must take the prepared one.
    await ahead.release(box.target);
    expect(await ahead.prepare(box.target, 60_000, 4_000)).toBe(true);
    const first = await ahead.execute(
      box.target,
      'SHOW statement_timeout; SELECT id FROM "Exam Data"."Order Items"',
      limits({ timeoutMs: 4_000 }),
    );
    // Set ahead, whole (a limit set with the script would be what is left of its 4 s, in ms).
    expect(first).toMatchObject({ kind: 'ok', results: [{ rows: [['4s']] }, { rows: [[7]] }] });
    const other = await ahead.execute(box.target, 'SHOW statement_timeout', limits({ timeoutMs: 2_000 }));
    expect(other.results[0]?.rows[0]?.[0]).toMatch(/^(2s|1\d{3}ms)$/);
  });

  it('stops a first script that outruns the limit set ahead', async () => {
    await ahead.release(box.target);
    expect(await ahead.prepare(box.target, 60_000, 500)).toBe(true);
    const out = await ahead.execute(box.target, 'SELECT pg_sleep(5)', limits({ timeoutMs: 500 }));
    expect(out).toMatchObject({ kind: 'timeout', error: { code: 'QUERY_TIMEOUT' } });
  });
});
