import { randomBytes } from 'node:crypto';
import type { QueryLimits, SandboxTarget } from '@sqlfleet/contracts';
import sql from 'mssql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { detectFlavour, MssqlEngine, type MssqlServerKind } from './index.ts';

/**
 * Runs only against a real server: MSSQL_URL=mssql://sa:Password@host:1433 (a login that may
 * CREATE DATABASE and KILL), Microsoft SQL Server or Babelfish for PostgreSQL; expectations that
 * differ are chosen by the server's flavour. Without it the suite is reported skipped, by name,
 * never passed.
 */
const MSSQL_URL = process.env.MSSQL_URL;

/** A busy loop: no wait the server could cut short, only a cancel or a KILL stops it. */
const BUSY_LOOP = 'DECLARE @i bigint = 0; WHILE 1 = 1 SET @i = @i + 1;';
/** One long query (10^10 rows counted). */
const digits = '(VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9))';
const LONG_QUERY = `SELECT COUNT_BIG(*) AS n FROM ${Array.from({ length: 10 }, (_, i) => `${digits} AS t${i}(x)`).join(' CROSS JOIN ')}`;

const limits = (over: Partial<QueryLimits> = {}): QueryLimits => ({
  timeoutMs: 5_000,
  maxRows: 10_000,
  maxBytes: 8 * 1024 * 1024,
  ...over,
});

describe.skipIf(!MSSQL_URL)('mssql engine against a real SQL Server or Babelfish (set MSSQL_URL)', () => {
  const url = new URL(MSSQL_URL ?? 'mssql://sa@127.0.0.1:1433');
  const database = `t_${randomBytes(6).toString('hex')}`;
  const target: SandboxTarget = {
    engine: 'mssql',
    host: url.hostname,
    port: Number(url.port || 1433),
    database,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
  let admin: sql.ConnectionPool;
  let engine: MssqlEngine;
  let server: MssqlServerKind;

  beforeAll(async () => {
    admin = new sql.ConnectionPool({
      server: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      database: 'master',
      options: { encrypt: true, trustServerCertificate: true },
    });
    admin.on('error', () => undefined);
    await admin.connect();
    server = (await detectFlavour(admin)).kind;
    await admin.request().batch(`CREATE DATABASE [${database}]`);
    engine = new MssqlEngine();
    await engine.applySchema(target, [
      'CREATE TABLE dbo.item (id int PRIMARY KEY, name nvarchar(50) NOT NULL)\nGO\n',
      "INSERT dbo.item (id, name) VALUES (1, N'pen'), (2, N'ink')",
    ]);
  });

  afterAll(async () => {
    await engine?.close();
    // Babelfish has no ALTER DATABASE; the engine's connections are closed by now.
    const drop =
      server === 'babelfish'
        ? `DROP DATABASE [${database}]`
        : `ALTER DATABASE [${database}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [${database}]`;
    await admin
      ?.request()
      .batch(drop)
      .catch(() => undefined);
    await admin?.close();
  });

  beforeEach(async () => {
    await engine.execute(target, 'DELETE dbo.item WHERE id > 2', limits());
  });

  it('runs a multi-batch script and returns every result set in order, duplicate names kept', async () => {
    const out = await engine.execute(
      target,
      "INSERT dbo.item VALUES (3, N'cap'), (4, N'nib')\nGO\nSELECT id, name, id AS id FROM dbo.item WHERE id > 2 ORDER BY id;\nSELECT COUNT(*) AS n FROM dbo.item",
      limits(),
    );
    expect(out.kind).toBe('ok');
    expect(out.results).toEqual([
      { columns: [], rows: [], rowCount: 2, truncated: false },
      {
        columns: [
          { name: 'id', type: 'int' },
          { name: 'name', type: 'nvarchar' },
          { name: 'id', type: 'int' },
        ],
        rows: [
          [3, 'cap', 3],
          [4, 'nib', 4],
        ],
        rowCount: 2,
        truncated: false,
      },
      { columns: [{ name: 'n', type: 'int' }], rows: [[4]], rowCount: 1, truncated: false },
    ]);
  });

  it('reports a syntax error with its number, batch and line', async () => {
    const out = await engine.execute(target, 'SELECT 1 AS one\nGO\nSELECT *\nFORM dbo.item', limits());
    expect(out).toMatchObject({
      kind: 'sql-error',
      error: { code: '102', statementIndex: 1, line: 2 },
      results: [{ rows: [[1]] }],
    });
  });

  it('reports a constraint violation by its number', async () => {
    const out = await engine.execute(target, "INSERT dbo.item VALUES (1, N'again')", limits());
    expect(out).toMatchObject({ kind: 'sql-error', error: { code: '2627', statementIndex: 0 } });
  });

  it.each([
    ['a busy WHILE loop', BUSY_LOOP],
    ['a long query', LONG_QUERY],
  ])('stops %s at the time limit, and the sandbox answers afterwards', async (_, script) => {
    const started = Date.now();
    const out = await engine.execute(target, script, limits({ timeoutMs: 1_000 }));
    const took = Date.now() - started;
    expect(out).toMatchObject({ kind: 'timeout', error: { code: 'QUERY_TIMEOUT', statementIndex: 0 } });
    // Neither would end by itself: an answer at all means it was stopped (how soon is `npm run bench`'s business).
    expect(took).toBeLessThan(15_000);
    const after = await engine.execute(target, 'SELECT 1 AS ok', limits());
    expect(after).toMatchObject({ kind: 'ok', results: [{ rows: [[1]] }] });
  });

  it('leaves no runaway on the server after the time limit', async () => {
    await engine.execute(target, 'CREATE TABLE dbo.tick (id int IDENTITY PRIMARY KEY)', limits());
    const out = await engine.execute(target, 'WHILE 1 = 1 INSERT dbo.tick DEFAULT VALUES;', limits({ timeoutMs: 800 }));
    expect(out.kind).toBe('timeout');
    const count = async () =>
      (await admin.request().query(`SELECT COUNT(*) AS n FROM [${database}].dbo.tick`)).recordset[0]?.n;
    const first = await count();
    expect(first).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 700));
    // The loop would have added rows meanwhile had it still been running.
    expect(await count()).toBe(first);
  });

  it.each([
    ['a busy WHILE loop', BUSY_LOOP],
    ['a long query', LONG_QUERY],
  ])('leaves %s running nowhere on the server after the time limit', async (_, script) => {
    const out = await engine.execute(target, script, limits({ timeoutMs: 800 }));
    expect(out.kind).toBe('timeout');
    // Babelfish no longer lists a backend whose client has gone among its sessions: ask PostgreSQL.
    const running =
      server === 'babelfish'
        ? "SELECT COUNT(*) AS n FROM pg_catalog.pg_stat_activity WHERE application_name = 'sqlfleet' AND state = 'active' AND usename = @login"
        : "SELECT COUNT(*) AS n FROM sys.dm_exec_requests r JOIN sys.dm_exec_sessions s ON s.session_id = r.session_id WHERE s.program_name = 'sqlfleet' AND s.login_name = @login";
    const left = async () =>
      Number((await admin.request().input('login', sql.NVarChar, target.user).query(running)).recordset[0]?.n);
    const giveUpAt = Date.now() + 5_000;
    while ((await left()) > 0 && Date.now() < giveUpAt) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await left()).toBe(0);
  });

  it('counts the time limit over the whole script, across GO batches', async () => {
    const out = await engine.execute(
      target,
      `SELECT 1 AS one\nGO\n${BUSY_LOOP}\nGO\nSELECT 2 AS two`,
      limits({ timeoutMs: 1_000 }),
    );
    expect(out).toMatchObject({ kind: 'timeout', error: { code: 'QUERY_TIMEOUT', statementIndex: 1 } });
  });

  it('stops a WAITFOR at the time limit (SQL Server only: Babelfish has no WAITFOR)', async (ctx) => {
    if (server === 'babelfish') ctx.skip();
    const out = await engine.execute(
      target,
      "WAITFOR DELAY '00:00:00.600'\nGO\nWAITFOR DELAY '00:00:00.600'\nGO\nSELECT 1",
      limits({ timeoutMs: 1_000 }),
    );
    expect(out).toMatchObject({ kind: 'timeout', error: { code: 'QUERY_TIMEOUT', statementIndex: 1 } });
  });

  it('rolls back a transaction a script left open before the next script runs', async () => {
    await engine.execute(target, "BEGIN TRAN; INSERT dbo.item VALUES (9, N'ghost')", limits());
    const out = await engine.execute(target, 'SELECT COUNT(*) FROM dbo.item WHERE id = 9', limits());
    expect(out).toMatchObject({ kind: 'ok', results: [{ rows: [[0]] }] });
  });

  it('cuts a result at the row cap', async () => {
    const out = await engine.execute(target, 'SELECT TOP 50 object_id FROM sys.all_objects', limits({ maxRows: 10 }));
    expect(out.kind).toBe('ok');
    expect(out.results[0]?.rows).toHaveLength(10);
    expect(out.results[0]?.truncated).toBe(true);
  });

  it('cuts results at the byte cap', async () => {
    const out = await engine.execute(
      target,
      "SELECT REPLICATE('x', 1000) AS s FROM (VALUES (1), (2), (3), (4), (5)) AS v(n)",
      limits({ maxBytes: 2_500 }),
    );
    expect(out.kind).toBe('ok');
    expect(out.results[0]?.rows).toHaveLength(2);
    expect(out.results[0]?.truncated).toBe(true);
  });

  it('leaves out a single value larger than the byte cap instead of showing it cut', async () => {
    const out = await engine.execute(
      target,
      "SELECT REPLICATE(CAST('x' AS varchar(max)), 20000000) AS big",
      limits({ maxBytes: 1024 * 1024, timeoutMs: 20_000 }),
    );
    expect(out).toMatchObject({ kind: 'ok', results: [{ rows: [], truncated: true }] });
  });

  it('reports a killed connection as CONNECTION_LOST and serves the next script', async () => {
    const running = engine.execute(target, BUSY_LOOP, limits({ timeoutMs: 25_000 }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { recordset } = await admin
      .request()
      .input('db', sql.NVarChar, database)
      .query(
        "SELECT session_id FROM sys.dm_exec_sessions WHERE database_id = DB_ID(@db) AND program_name = 'sqlfleet'",
      );
    expect(recordset).toHaveLength(1);
    await admin.request().batch(`KILL ${Number(recordset[0].session_id)}`);
    const out = await running;
    expect(out).toMatchObject({ kind: 'sql-error', error: { code: 'CONNECTION_LOST' } });
    const after = await engine.execute(target, 'SELECT 1 AS ok', limits());
    expect(after).toMatchObject({ kind: 'ok', results: [{ rows: [[1]] }] });
  });

  it('returns values JSON-safe and faithful to their SQL Server types', async () => {
    const out = await engine.execute(
      target,
      `SELECT CAST(9223372036854775807 AS bigint) AS b, CAST(12345.6789 AS decimal(12,4)) AS d,
        CAST(1234.5678 AS money) AS m, CAST('2024-02-29' AS date) AS dt,
        CAST('2024-02-29T13:05:09.1234567' AS datetime2(7)) AS d2,
        CAST('2024-06-01T03:00:00+02:00' AS datetimeoffset(0)) AS dto, 0xDEADBEEF AS bin,
        CAST('6F9619FF-8B86-D011-B42D-00C04FC964FF' AS uniqueidentifier) AS g, NULL AS n,
        CAST(1 AS bit) AS bit, N'héllo' AS s, CAST(1.5 AS float) AS f`,
      limits(),
    );
    expect(out.kind).toBe('ok');
    expect(out.results[0]?.columns.map((c) => c.type)).toEqual([
      'bigint',
      // Babelfish describes every DECIMAL as NUMERIC on the wire (T-SQL synonyms); the engine says what the server sent.
      server === 'babelfish' ? 'numeric' : 'decimal',
      'money',
      'date',
      'datetime2',
      'datetimeoffset',
      'varbinary',
      'uniqueidentifier',
      'int',
      'bit',
      'nvarchar',
      'float',
    ]);
    expect(out.results[0]?.rows[0]).toEqual([
      '9223372036854775807',
      '12345.6789',
      '1234.5678',
      '2024-02-29',
      // Babelfish keeps DATETIME2 in a PostgreSQL timestamp: microseconds, so 7 digits are rounded to 6.
      server === 'babelfish' ? '2024-02-29T13:05:09.123457' : '2024-02-29T13:05:09.1234567',
      '2024-06-01T01:00:00Z',
      '3q2+7w==',
      '6F9619FF-8B86-D011-B42D-00C04FC964FF',
      null,
      true,
      'héllo',
      1.5,
    ]);
  });
});
