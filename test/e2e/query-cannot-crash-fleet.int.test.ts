/**
 * Issue 10 item 5: one query must never take the fleet down. A statement the driver cannot carry
 * answers with a result and the worker lives on; a query that does end its worker (here: the
 * worker is SIGKILLed each time it runs it) is failed after WORKER_MAX_CRASHES, not retried forever.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, waitForJob } from '../support/client.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';

let fleet: Fleet;
let admin: pg.Client;
beforeAll(async () => {
  fleet = await startFleet({ workers: 1, env: { WORKER_LOCK_MS: '2000', WORKER_MAX_CRASHES: '2' } });
  admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  admin.on('error', () => undefined);
  await admin.connect();
}, 90_000);
afterAll(async () => {
  await admin?.end();
  await fleet?.stop();
}, 90_000);

const alive = () => fleet.workers.filter((w) => w.exitCode === null && w.signalCode === null);

describe('a statement the driver cannot carry', () => {
  it.each([
    ['postgres', 'COPY (SELECT 1) TO STDOUT'],
    ['postgres', 'COPY seen FROM STDIN'],
    ['mysql', "LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE seen"],
  ] as const)('%s: %s answers STATEMENT_UNSUPPORTED, the worker lives on', { timeout: 60_000 }, async (engine, sql) => {
    const setup = await post(fleet.url, { engine, query: 'CREATE TABLE seen (n INT); INSERT INTO seen VALUES (1)' });
    expect(setup.status).toBe(200);
    const sessionId = setup.body.sessionId;
    const worker = alive()[0];

    const refused = await post(fleet.url, { engine, sessionId, query: sql });
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ success: false, error: { code: 'STATEMENT_UNSUPPORTED', statementIndex: 0 } });

    // Asked twice, as a student would after a surprising answer: the same answer, the same worker.
    const again = await post(fleet.url, { engine, sessionId, query: sql });
    expect(again.body).toMatchObject({ success: false, error: { code: 'STATEMENT_UNSUPPORTED' } });
    const next = await post(fleet.url, { engine, sessionId, query: 'SELECT n FROM seen' });
    expect(next.body).toMatchObject({ success: true, sandbox: 'reused' });
    expect(next.body.results[0]?.rows.map((r) => Number(r[0]))).toEqual([1]);
    expect(alive()).toEqual([worker]);
  });
});

describe('a query that ends every worker running it', () => {
  it('is failed with QUERY_CRASHED_WORKER after WORKER_MAX_CRASHES, and the session goes on', {
    timeout: 120_000,
  }, async () => {
    const setup = await post(fleet.url, { engine: 'postgres', query: 'CREATE TABLE seen (n INT)' });
    const sessionId = setup.body.sessionId;
    const marker = `crash_${randomUUID().replaceAll('-', '')}`;
    const deadly = await post(fleet.url, {
      engine: 'postgres',
      sessionId,
      wait: false,
      query: `SELECT pg_sleep(20) AS ${marker}`,
    });
    const after = await post(fleet.url, {
      engine: 'postgres',
      sessionId,
      wait: false,
      query: 'INSERT INTO seen VALUES (2); SELECT n FROM seen',
    });

    // Each time a worker runs the query (a new backend runs it), that worker is killed.
    const killedOn = new Set<number>();
    while (killedOn.size < 2) {
      const running = await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE query LIKE $1 AND state = 'active' AND pid <> pg_backend_pid()",
        [`%AS ${marker}%`],
      );
      const fresh = running.rows.find((r) => !killedOn.has(r.pid));
      if (fresh) {
        killedOn.add(fresh.pid);
        for (const worker of alive()) worker.kill('SIGKILL');
        fleet.startWorker();
      }
      await sleep(100);
    }

    const failed = await waitForJob(fleet.url, String(deadly.body.jobId), 60_000);
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'QUERY_CRASHED_WORKER' } });
    const next = await waitForJob(fleet.url, String(after.body.jobId), 60_000);
    expect(next).toMatchObject({ state: 'done', result: { success: true, results: [{}, { rows: [[2]] }] } });
    // Not run a third time.
    const third = await admin.query(
      "SELECT pid FROM pg_stat_activity WHERE query LIKE $1 AND state = 'active' AND NOT (pid = ANY($2))",
      [`%AS ${marker}%`, [...killedOn]],
    );
    expect(third.rows).toEqual([]);
  });
});
