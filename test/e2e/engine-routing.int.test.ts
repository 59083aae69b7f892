/**
 * Jobs routed by engine: a worker takes only sessions of the engines it serves (issue 12: a worker
 * without SQL Server took SQL Server jobs and answered ENGINE_UNAVAILABLE). Each engine's drains wait
 * in that engine's queue, counted in its own backlog metric, until a worker serving it comes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, post, waitForJob } from '../support/client.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';
import { until } from '../support/until.ts';

let fleet: Fleet;
beforeAll(async () => {
  // The API offers both engines; the only worker serves PostgreSQL alone.
  fleet = await startFleet({ workers: 1, env: { ENGINES: 'postgres,mysql' }, workerEnv: { ENGINES: 'postgres' } });
}, 90_000);
afterAll(async () => {
  await fleet?.stop();
}, 90_000);

const waitingMysql = async () => {
  const metrics = await fetch(`${fleet.url}/metrics`).then((r) => r.text());
  const line = metrics.match(/^sqlfleet_backlog_sessions_by_engine\{engine="mysql",state="waiting"\} (\d+)/m);
  return Number(line?.[1] ?? -1);
};

describe('engine routing', () => {
  it('leaves a session of an engine no worker serves queued, in order, until a worker for it starts', {
    timeout: 90_000,
  }, async () => {
    const pgAnswer = await post(fleet.url, { engine: 'postgres', query: 'SELECT 1 AS one' });
    expect(pgAnswer.body).toMatchObject({ success: true, rows: [{ one: 1 }] });

    const first = await post(fleet.url, { engine: 'mysql', wait: false, query: 'CREATE TABLE seen (n INT)' });
    expect(first.status).toBe(202);
    const sessionId = first.body.sessionId;
    const inserts = [];
    for (let n = 1; n <= 5; n++) {
      inserts.push(
        await post(fleet.url, { engine: 'mysql', sessionId, wait: false, query: `INSERT INTO seen VALUES (${n})` }),
      );
    }
    // Nobody takes it: no ENGINE_UNAVAILABLE answer from the PostgreSQL worker, only a wait.
    expect(await until(waitingMysql, (n) => n === 1, 10_000)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await get(fleet.url, `/api/jobs/${first.body.jobId}`)).body).toMatchObject({ state: 'queued' });
    const queue = await get<{ byEngine: Record<string, number> }>(fleet.url, '/api/queue');
    expect(queue.body.byEngine).toMatchObject({ mysql: 6 });

    fleet.startWorker({ ENGINES: 'mysql' });
    expect(await waitForJob(fleet.url, String(first.body.jobId), 60_000)).toMatchObject({ state: 'done' });
    for (const { body } of inserts)
      expect(await waitForJob(fleet.url, String(body.jobId))).toMatchObject({ state: 'done' });
    const seen = await post(fleet.url, { engine: 'mysql', sessionId, query: 'SELECT n FROM seen' });
    expect(seen.body.results[0]?.rows.map((row) => Number(row[0]))).toEqual([1, 2, 3, 4, 5]);
    expect(await until(waitingMysql, (n) => n === 0, 10_000)).toBe(0);
  });
});
