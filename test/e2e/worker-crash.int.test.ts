/** Nothing accepted is lost: a worker killed with SIGKILL mid-query hands its session back. */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, post, waitForJob } from '../support/client.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet({ workers: 1, env: { WORKER_LOCK_MS: '3000' } });
}, 90_000);
afterAll(async () => {
  await fleet?.stop();
}, 90_000);

describe('a worker killed mid-query', () => {
  it.each(['postgres', 'mysql'] as const)(
    'loses no %s job, and the session keeps its order',
    { timeout: 90_000 },
    async (engine) => {
      const setup = await post(fleet.url, { engine, query: 'CREATE TABLE seen (n INT)' });
      const sessionId = setup.body.sessionId;
      const sleep2 = engine === 'postgres' ? 'SELECT pg_sleep(2)' : 'SELECT SLEEP(2)';
      const slow = await post(fleet.url, {
        engine,
        sessionId,
        wait: false,
        query: `INSERT INTO seen VALUES (1); ${sleep2}`,
      });
      const next = await post(fleet.url, { engine, sessionId, wait: false, query: 'INSERT INTO seen VALUES (2)' });

      // Kill the worker while the slow query is running.
      for (;;) {
        const { body } = await get(fleet.url, `/api/jobs/${slow.body.jobId}`);
        if (body.state === 'running') break;
        await sleep(50);
      }
      const victim = fleet.workers.find((w) => w.exitCode === null && w.signalCode === null);
      victim?.kill('SIGKILL');
      fleet.startWorker();

      const slowDone = await waitForJob(fleet.url, String(slow.body.jobId), 60_000);
      const nextDone = await waitForJob(fleet.url, String(next.body.jobId), 60_000);
      expect(slowDone).toMatchObject({ state: 'done', result: { success: true } });
      expect(nextDone).toMatchObject({ state: 'done', result: { success: true } });
      const seen = await post(fleet.url, { engine, sessionId, query: 'SELECT DISTINCT n FROM seen ORDER BY n' });
      // The killed query ran again (at least once); the query after it ran after it.
      expect(seen.body.results[0]?.rows.map((r) => Number(r[0]))).toEqual([1, 2]);
    },
  );
});
