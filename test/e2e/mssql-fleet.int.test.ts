/**
 * `engine: "mssql"` end to end: real API, two workers and a reaper as separate processes, against the
 * server of MSSQL_URL (Microsoft SQL Server or Babelfish for PostgreSQL), plus a third worker without
 * SQL Server that must leave every mssql session alone. Skipped by name without it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { del, post } from '../support/client.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';
import { lookAtMssql, type MssqlLook } from '../support/mssql.ts';
import { LIBRARY_DBML, SHOP_DBML } from '../support/schemas.ts';
import { until } from '../support/until.ts';

const MSSQL_URL = process.env.MSSQL_URL;
const engine = 'mssql';

/** Neither ends by itself: only the time limit stops them. */
const BUSY_LOOP = 'DECLARE @i bigint = 0; WHILE 1 = 1 SET @i = @i + 1;';
const digits = '(VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9))';
const LONG_QUERY = `SELECT COUNT_BIG(*) AS n FROM ${Array.from({ length: 10 }, (_, i) => `${digits} AS t${i}(x)`).join(' CROSS JOIN ')}`;

describe.skipIf(!MSSQL_URL)('mssql sessions through the fleet (set MSSQL_URL)', { timeout: 90_000 }, () => {
  let fleet: Fleet;
  let server: MssqlLook;
  /** Every database and login a sandbox has: on SQL Server the contained user lives inside its database. */
  const sandboxFootprint = async () => {
    const found = await server.footprint(fleet.fleetId);
    return server.kind === 'babelfish' ? found : { databases: found.databases, logins: found.databases };
  };

  // The TTL is long enough that a sandbox built on a busy machine (Babelfish's CREATE DATABASE takes seconds) is not idle yet.
  beforeAll(async () => {
    server = await lookAtMssql(MSSQL_URL ?? '');
    fleet = await startFleet({
      workers: 2,
      reaper: true,
      env: { MSSQL_URL: MSSQL_URL ?? '', SESSION_TTL_MS: '60000', REAPER_INTERVAL_MS: '2000' },
    });
    // Issue 12's mixed fleet: a worker with no SQL Server beside them must never take an mssql session
    // (it took them, and answered ENGINE_UNAVAILABLE, before drains were queued per engine).
    fleet.startWorker({ MSSQL_URL: '' });
  }, 90_000);
  afterAll(async () => {
    await fleet?.stop();
    if (fleet) await server?.dropFleet(fleet.fleetId);
    await server?.close();
  }, 90_000);

  it('seeds a new session from DBML and answers; the next query reuses the sandbox', async () => {
    const first = await post(fleet.url, { engine, dbml: SHOP_DBML, query: 'SELECT name FROM customers ORDER BY id' });
    expect(first.body).toMatchObject({
      success: true,
      engine,
      sandbox: 'created',
      rows: [{ name: 'Ada' }, { name: 'Grace' }],
    });
    const again = await post(fleet.url, {
      engine,
      sessionId: first.body.sessionId,
      query: 'SELECT COUNT(*) AS n, SUM(total) AS t FROM orders',
    });
    expect(again.body).toMatchObject({ success: true, sandbox: 'reused', rows: [{ n: 2, t: '112.49' }] });
  });

  it('keeps DDL and DML across a session’s queries, and another session with the same DBML sees none of it', async () => {
    const a = await post(fleet.url, {
      engine,
      dbml: SHOP_DBML,
      query: "CREATE TABLE notes (body VARCHAR(20)); INSERT INTO notes VALUES ('mine'); DELETE FROM orders",
    });
    expect(a.body.success).toBe(true);
    const b = await post(fleet.url, { engine, dbml: SHOP_DBML, query: 'SELECT COUNT(*) AS n FROM orders' });
    expect(b.body.sessionId).not.toBe(a.body.sessionId);
    expect(b.body.rows).toEqual([{ n: 2 }]);
    const bNotes = await post(fleet.url, { engine, sessionId: b.body.sessionId, query: 'SELECT * FROM notes' });
    expect(bNotes.body).toMatchObject({ success: false, error: { code: '208' } });

    const later = await post(fleet.url, {
      engine,
      sessionId: a.body.sessionId,
      query: 'SELECT body FROM notes; SELECT COUNT(*) AS n FROM orders',
    });
    expect(later.body.results[0]?.rows).toEqual([['mine']]);
    expect(later.body.rows).toEqual([{ n: 0 }]);
  });

  it('answers a syntax error as a result with SQL Server’s number, and the session still works', async () => {
    const bad = await post(fleet.url, {
      engine,
      dbml: SHOP_DBML,
      query: 'SELECT 1 AS ok\nGO\nSELECT * FORM customers',
    });
    expect(bad.status).toBe(200);
    expect(bad.body).toMatchObject({ success: false, error: { code: '102', statementIndex: 1 } });
    expect(bad.body.results[0]?.rows).toEqual([[1]]);
    const good = await post(fleet.url, { engine, sessionId: bad.body.sessionId, query: 'SELECT 2 AS two' });
    expect(good.body).toMatchObject({ success: true, rows: [{ two: 2 }] });
  });

  it.each([
    ['a busy WHILE loop', BUSY_LOOP],
    ['a long query', LONG_QUERY],
  ])('stops %s at its time limit, and the session and its data are still there', async (_, query) => {
    const slow = await post(fleet.url, { engine, dbml: SHOP_DBML, timeoutMs: 1000, query });
    expect(slow.body).toMatchObject({ success: false, error: { code: 'QUERY_TIMEOUT' } });
    const after = await post(fleet.url, {
      engine,
      sessionId: slow.body.sessionId,
      query: 'SELECT name FROM customers WHERE id = 1',
    });
    expect(after.body).toMatchObject({ success: true, rows: [{ name: 'Ada' }] });
  });

  it('rebuilds the sandbox when the DBML changes', async () => {
    const shop = await post(fleet.url, { engine, dbml: SHOP_DBML, query: 'SELECT 1 AS one' });
    const library = await post(fleet.url, {
      engine,
      sessionId: shop.body.sessionId,
      dbml: LIBRARY_DBML,
      query: 'SELECT title FROM books',
    });
    expect(library.body).toMatchObject({ success: true, sandbox: 'recreated', rows: [{ title: 'Dune' }] });
    const gone = await post(fleet.url, { engine, sessionId: shop.body.sessionId, query: 'SELECT * FROM customers' });
    expect(gone.body).toMatchObject({ success: false, sandbox: 'reused', error: { code: '208' } });
  });

  it('refuses the hostile list: other databases, xp_cmdshell, OPENROWSET, server settings, other logins', async () => {
    const victim = await post(fleet.url, { engine, dbml: SHOP_DBML, query: 'SELECT DB_NAME() AS db' });
    const other = String(victim.body.rows[0]?.db);
    const attacker = await post(fleet.url, { engine, query: 'SELECT 1 AS one' });
    expect(attacker.body.success).toBe(true);
    const attempts = [
      `SELECT * FROM [${other}].dbo.customers`,
      `USE [${other}]`,
      "EXEC xp_cmdshell 'id'",
      "SELECT * FROM OPENROWSET('SQLNCLI', 'Server=127.0.0.1;Trusted_Connection=yes;', 'SELECT 1')",
      "EXEC sp_configure 'show advanced options', 1; RECONFIGURE",
      "CREATE LOGIN intruder WITH PASSWORD = 'Xx1!xxxxxxxx'",
      `ALTER LOGIN [${other}] WITH PASSWORD = 'Xx1!xxxxxxxx'`,
      'CREATE DATABASE intruder_db',
      `DROP DATABASE [${other}]`,
    ];
    for (const query of attempts) {
      const answer = await post(fleet.url, { engine, sessionId: attacker.body.sessionId, query });
      expect(answer.body.success, query).toBe(false);
    }
    const still = await post(fleet.url, {
      engine,
      sessionId: victim.body.sessionId,
      query: 'SELECT COUNT(*) AS n FROM customers',
    });
    expect(still.body).toMatchObject({ success: true, rows: [{ n: 2 }] });
  });

  it('DELETE destroys the database and its login at once', async () => {
    const made = await post(fleet.url, { engine, dbml: SHOP_DBML, query: 'SELECT DB_NAME() AS db' });
    const db = String(made.body.rows[0]?.db);
    expect((await sandboxFootprint()).databases).toContain(db);
    expect((await del(fleet.url, `/api/session/${made.body.sessionId}`)).status).toBe(204);
    const after = await sandboxFootprint();
    expect(after.databases).not.toContain(db);
    expect(after.logins).not.toContain(db);
    const reuse = await post(fleet.url, { engine, sessionId: made.body.sessionId, query: 'SELECT 1' });
    expect(reuse).toMatchObject({ status: 404, body: { error: { code: 'SESSION_NOT_FOUND' } } });
  });

  // Every earlier session of this file goes idle too, and Babelfish drops a database in seconds on a busy machine.
  it('the reaper removes an idle session’s database and login', { timeout: 280_000 }, async () => {
    const made = await post(fleet.url, { engine, query: 'SELECT DB_NAME() AS db' });
    const db = String(made.body.rows[0]?.db);
    const after = await until(sandboxFootprint, (f) => !f.databases.includes(db) && !f.logins.includes(db), 240_000);
    expect(after.databases).not.toContain(db);
    expect(after.logins).not.toContain(db);
    const gone = await post(fleet.url, { engine, sessionId: made.body.sessionId, query: 'SELECT 1' });
    expect(gone).toMatchObject({ status: 404, body: { error: { code: 'SESSION_NOT_FOUND' } } });
  });
});
