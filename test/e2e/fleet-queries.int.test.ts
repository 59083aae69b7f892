/**
 * The fleet's main job, end to end, for PostgreSQL and MySQL (MariaDB here): real API, two
 * workers and a reaper as separate processes, over HTTP and Socket.IO.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSocket, del, get, post, submitOverSocket, waitForJob } from '../support/client.ts';
import { fleetFootprint } from '../support/databases.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';
import { LIBRARY_DBML, SHOP_DBML, SLEEP } from '../support/schemas.ts';

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet({ workers: 2 });
}, 90_000);
afterAll(async () => {
  await fleet?.stop();
}, 90_000);

describe.each(['postgres', 'mysql'] as const)('%s sessions', (engine) => {
  it('seeds a new session from DBML and answers; the next query reuses the sandbox', async () => {
    const first = await post(fleet.url, { engine, dbml: SHOP_DBML, query: 'SELECT name FROM customers ORDER BY id' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      success: true,
      engine,
      sandbox: 'created',
      rows: [{ name: 'Ada' }, { name: 'Grace' }],
    });
    expect(first.body.sessionId).toMatch(/^[A-Za-z0-9_-]{24}$/);

    const again = await post(fleet.url, {
      engine,
      sessionId: first.body.sessionId,
      query: 'SELECT COUNT(*) AS n FROM orders',
    });
    expect(again.body).toMatchObject({ success: true, sandbox: 'reused' });
    expect(String(again.body.rows[0]?.n)).toBe('2');
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
    expect(String(b.body.rows[0]?.n)).toBe('2');
    const bNotes = await post(fleet.url, { engine, sessionId: b.body.sessionId, query: 'SELECT * FROM notes' });
    expect(bNotes.body.success).toBe(false);

    const later = await post(fleet.url, {
      engine,
      sessionId: a.body.sessionId,
      query: 'SELECT body FROM notes; SELECT COUNT(*) AS n FROM orders',
    });
    expect(later.body.results[0]?.rows).toEqual([['mine']]);
    expect(String(later.body.rows[0]?.n)).toBe('0');
  });

  it('answers a syntax error as a result with the engine’s code, and the session still works', async () => {
    const bad = await post(fleet.url, { engine, dbml: SHOP_DBML, query: 'SELECT 1 AS ok; SELEC oops' });
    expect(bad.status).toBe(200);
    expect(bad.body.success).toBe(false);
    expect(bad.body.error).toMatchObject({ code: engine === 'postgres' ? '42601' : '1064', statementIndex: 1 });
    expect(bad.body.results[0]?.rows).toEqual([[1]]);
    const good = await post(fleet.url, { engine, sessionId: bad.body.sessionId, query: 'SELECT 2 AS two' });
    expect(good.body).toMatchObject({ success: true, rows: [{ two: 2 }] });
  });

  it('stops a query at its time limit, even one that switches the server-side limit off, and the session still works', async () => {
    const switchOff = engine === 'postgres' ? 'SET statement_timeout = 0' : 'SET SESSION max_statement_time = 0';
    const started = Date.now();
    const slow = await post(fleet.url, {
      engine,
      dbml: SHOP_DBML,
      timeoutMs: 1000,
      query: `${switchOff}; ${SLEEP[engine](10)}`,
    });
    const elapsed = Date.now() - started;
    expect(slow.body.success).toBe(false);
    expect(slow.body.error?.code).toBe('QUERY_TIMEOUT');
    // The promise: the answer comes within a second of the limit.
    expect(elapsed).toBeLessThan(1000 + 1000 + 500);
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
    expect(gone.body.success).toBe(false);
    expect(gone.body.sandbox).toBe('reused');
  });

  it('DELETE destroys the database and its login at once', async () => {
    const made = await post(fleet.url, { engine, dbml: SHOP_DBML, query: 'SELECT 1 AS one' });
    const sessionId = made.body.sessionId;
    const before = await fleetFootprint(fleet.fleetId);
    const dbsBefore = engine === 'postgres' ? before.pg : before.mysql;

    expect((await del(fleet.url, `/api/session/${sessionId}`)).status).toBe(204);

    const after = await fleetFootprint(fleet.fleetId);
    const [dbs, logins] = engine === 'postgres' ? [after.pg, after.pgRoles] : [after.mysql, after.mysqlUsers];
    expect(dbs.length).toBe(dbsBefore.length - 1);
    expect(new Set([...dbs, ...logins]).size).toBe(dbs.length);
    const reuse = await post(fleet.url, { engine, sessionId, query: 'SELECT 1' });
    expect(reuse).toMatchObject({ status: 404, body: { error: { code: 'SESSION_NOT_FOUND' } } });
    expect((await del(fleet.url, `/api/session/${sessionId}`)).status).toBe(404);
  });

  it('runs one session’s queries in submission order with two workers', async () => {
    const setup = await post(fleet.url, { engine, query: 'CREATE TABLE seen (n INT)' });
    const sessionId = setup.body.sessionId;
    const accepted = [];
    for (let n = 1; n <= 25; n++) {
      accepted.push(await post(fleet.url, { engine, sessionId, wait: false, query: `INSERT INTO seen VALUES (${n})` }));
    }
    expect(accepted.every((a) => a.status === 202)).toBe(true);
    const final = await post(fleet.url, { engine, sessionId, query: 'SELECT n FROM seen' });
    expect(final.body.results[0]?.rows.map((row) => Number(row[0]))).toEqual(
      Array.from({ length: 25 }, (_, i) => i + 1),
    );
    for (const { body } of accepted) {
      expect(await waitForJob(fleet.url, String(body.jobId))).toMatchObject({ state: 'done' });
    }
  });

  it('takes queries over Socket.IO and pushes the result; a reconnecting client fetches it by job id', async () => {
    const socket = await connectSocket(fleet.url);
    try {
      const { ack, result } = await submitOverSocket(socket, {
        engine,
        dbml: SHOP_DBML,
        query: 'SELECT name FROM customers WHERE id = 2',
      });
      expect(ack).toMatchObject({ jobId: expect.any(String), sessionId: expect.any(String) });
      expect(result).toMatchObject({ success: true, sandbox: 'created', rows: [{ name: 'Grace' }] });

      const refused = await submitOverSocket(socket, { engine: 'oracle', query: 'SELECT 1' });
      expect(refused.ack).toMatchObject({ error: { code: 'UNKNOWN_ENGINE' } });

      if (!('jobId' in ack)) throw new Error('no job id');
      const fetched = await get(fleet.url, `/api/jobs/${ack.jobId}`);
      expect(fetched.body).toMatchObject({ state: 'done', result: { jobId: ack.jobId, rows: [{ name: 'Grace' }] } });
    } finally {
      socket.disconnect();
    }
  });
});

describe('proctor and ops views', () => {
  it('reports health, backlog by room and engine, and Prometheus metrics', async () => {
    await post(fleet.url, { engine: 'postgres', room: 'exam-101', query: 'SELECT 1' });
    const health = await get(fleet.url, '/api/health');
    // SQL Server is offered where MSSQL_URL names one (its suites then run too).
    const engines = process.env.MSSQL_URL ? ['postgres', 'mysql', 'mssql'] : ['postgres', 'mysql'];
    expect(health.body).toMatchObject({ status: 'ok', redis: 'up', engines });
    const queue = await get(fleet.url, '/api/queue');
    expect(queue.body).toMatchObject({
      queries: expect.any(Number),
      byRoom: expect.any(Object),
      byEngine: expect.any(Object),
    });
    const metrics = await fetch(`${fleet.url}/metrics`).then((r) => r.text());
    expect(metrics).toContain('sqlfleet_backlog_sessions');
    expect(metrics).toMatch(/sqlfleet_http_requests_total\{method="POST",route="\/api\/query",status="200"\} \d+/);
    const preflight = await fetch(`${fleet.url}/api/query`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://editor.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    // An editor on its own web origin may call the API from the browser.
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://editor.example');
    const page = await fetch(`${fleet.url}/proctor`).then((r) => r.text());
    expect(page).toContain('/proctor/dashboard.js');
  });
});
