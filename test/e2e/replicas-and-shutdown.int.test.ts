/**
 * Any API replica serves any session and pushes results to sockets on any replica;
 * a worker told to stop finishes the query in hand and hands the rest back.
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { QueryResult } from '@sqlfleet/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSocket, get, post, waitForJob } from '../support/client.ts';
import { type Fleet, freePort, startFleet } from '../support/fleet.ts';

let fleet: Fleet;
let workerMetricsPort: number;
beforeAll(async () => {
  workerMetricsPort = await freePort();
  fleet = await startFleet({
    apis: 2,
    workers: 1,
    env: { WORKER_LOCK_MS: '3000', WORKER_METRICS_PORT: String(workerMetricsPort) },
  });
}, 90_000);
afterAll(async () => {
  await fleet?.stop();
}, 90_000);

describe('several API replicas', () => {
  it('serves one session from either replica and pushes its results to a socket on the other', async () => {
    const [urlA, urlB] = fleet.urls as [string, string];
    const made = await post(urlA, { engine: 'postgres', query: 'CREATE TABLE t (v INT); INSERT INTO t VALUES (7)' });
    expect(made.body.success).toBe(true);

    const socket = await connectSocket(urlB);
    try {
      const watching = await socket.timeout(5_000).emitWithAck('session:watch', made.body.sessionId);
      expect(watching).toEqual({ ok: true });
      const pushed = new Promise<QueryResult>((resolve) => socket.once('query:result', resolve));
      const viaA = await post(urlA, {
        engine: 'postgres',
        sessionId: made.body.sessionId,
        wait: false,
        query: 'SELECT v FROM t',
      });
      const result = await pushed;
      expect(result).toMatchObject({ jobId: viaA.body.jobId, rows: [{ v: 7 }] });

      const viaB = await post(urlB, {
        engine: 'postgres',
        sessionId: made.body.sessionId,
        query: 'SELECT v + 1 AS w FROM t',
      });
      expect(viaB.body).toMatchObject({ success: true, sandbox: 'reused', rows: [{ w: 8 }] });
    } finally {
      socket.disconnect();
    }
  });
});

describe('a worker told to stop (SIGTERM)', () => {
  it('finishes the query in hand, exits cleanly, and the queries after it run on another worker', {
    timeout: 90_000,
  }, async () => {
    const setup = await post(fleet.url, { engine: 'mysql', query: 'CREATE TABLE seen (n INT)' });
    const sessionId = setup.body.sessionId;
    const slow = await post(fleet.url, {
      engine: 'mysql',
      sessionId,
      wait: false,
      query: 'SELECT SLEEP(2); INSERT INTO seen VALUES (1)',
    });
    const after = await post(fleet.url, {
      engine: 'mysql',
      sessionId,
      wait: false,
      query: 'INSERT INTO seen VALUES (2)',
    });
    for (;;) {
      const { body } = await get(fleet.url, `/api/jobs/${slow.body.jobId}`);
      if (body.state === 'running') break;
      await sleep(50);
    }
    const worker = fleet.workers[0];
    if (!worker) throw new Error('no worker');
    const exited = once(worker, 'exit');
    worker.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    // The query in hand finished before the worker left.
    expect(await get(fleet.url, `/api/jobs/${slow.body.jobId}`)).toMatchObject({ body: { state: 'done' } });

    fleet.startWorker();
    expect(await waitForJob(fleet.url, String(after.body.jobId), 60_000)).toMatchObject({ state: 'done' });
    const seen = await post(fleet.url, { engine: 'mysql', sessionId, query: 'SELECT n FROM seen ORDER BY n' });
    expect(seen.body.results[0]?.rows).toEqual([[1], [2]]);
  });
});
