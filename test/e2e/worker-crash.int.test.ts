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
  it.each([
    // One write: run in a recorded transaction, so the re-run knows the killed run left nothing.
    { engine: 'postgres', slow: 'INSERT INTO seen SELECT 1 FROM pg_sleep(2)', earlierRun: 'rolled-back', seen: [1, 2] },
    // A script of several statements (and MySQL): the re-run cannot know, and says so; the first
    // INSERT may have applied twice.
    { engine: 'postgres', slow: 'INSERT INTO seen VALUES (1); SELECT pg_sleep(2)', earlierRun: 'unknown' },
    { engine: 'mysql', slow: 'INSERT INTO seen VALUES (1); SELECT SLEEP(2)', earlierRun: 'unknown' },
  ] as const)(
    'loses no $engine job, keeps the order, and says what the killed run left ($slow)',
    { timeout: 90_000 },
    async ({ engine, slow: query, earlierRun, ...expected }) => {
      const setup = await post(fleet.url, { engine, query: 'CREATE TABLE seen (n INT)' });
      const sessionId = setup.body.sessionId;
      const slow = await post(fleet.url, { engine, sessionId, wait: false, query });
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
      expect(slowDone).toMatchObject({
        state: 'done',
        result: { success: true, rerun: { afterCrashes: 1, earlierRun } },
      });
      expect(nextDone).toMatchObject({ state: 'done', result: { success: true } });
      expect(nextDone.result).not.toHaveProperty('rerun');
      const seen = await post(fleet.url, { engine, sessionId, query: 'SELECT n FROM seen ORDER BY n' });
      const rows = seen.body.results[0]?.rows.map((r: unknown[]) => Number(r[0]));
      if ('seen' in expected) {
        // Exactly once each.
        expect(rows).toEqual(expected.seen);
      } else {
        // The killed query ran again (at least once); the query after it ran after it.
        expect([...new Set(rows)]).toEqual([1, 2]);
      }
    },
  );
});
