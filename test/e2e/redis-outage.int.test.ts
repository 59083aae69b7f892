/**
 * Redis going away (issue 10, item 1). A fleet on a Redis of the test's own (append-only file,
 * fsync on every write) takes 400 writes over 40 sessions; Redis is SIGKILLed and restarted in the
 * middle. A refused write answers 503 QUEUE_UNAVAILABLE at once and the client sends it again, as an
 * editor would; every accepted write must finish once, in its session's order, and the API, workers
 * and reaper carry on by themselves.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postTimed, type TimedAnswer, waitForJob, writeInOrder } from '../support/client.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';
import { type PrivateServer, privateRedis } from '../support/private-servers.ts';

const SESSIONS = 40;
const WRITES = 10;
let redis: PrivateServer;
let fleet: Fleet;

beforeAll(async () => {
  redis = await privateRedis();
  fleet = await startFleet({
    workers: 2,
    reaper: true,
    env: {
      REDIS_URL: redis.url,
      WORKER_LOCK_MS: '30000',
      RATE_LIMIT_PER_MINUTE: '100000',
      MAX_SESSIONS_PER_CLIENT: '100',
    },
  });
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
  await redis?.stop();
}, 120_000);

const submit = (body: Record<string, unknown>, timeoutMs?: number) =>
  postTimed(fleet.url, body, () => fleet.logs(), timeoutMs);

describe('Redis SIGKILLed and restarted during 400 writes', () => {
  it('refuses with 503 QUEUE_UNAVAILABLE while it is away, and finishes every accepted write once, in order', {
    timeout: 300_000,
  }, async () => {
    const sessions: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const made = await submit(
        { engine: 'postgres', query: 'CREATE TABLE w (id serial PRIMARY KEY, seq int NOT NULL, attempt int NOT NULL)' },
        120_000,
      );
      expect(made.status, JSON.stringify(made.body)).toBe(200);
      sessions.push(String(made.body.sessionId));
    }

    let accepted = 0;
    const refused: TimedAnswer[] = [];
    const other: TimedAnswer[] = [];
    const jobs: string[] = [];
    const writer = (sessionId: string) =>
      writeInOrder(submit, sessionId, WRITES, {
        accepted: (jobId) => {
          accepted++;
          jobs.push(jobId);
        },
        refused: (answer) => {
          if (answer.status === 503 && (answer.body.error as { code?: string })?.code === 'QUEUE_UNAVAILABLE')
            refused.push(answer);
          else other.push(answer);
          if (refused.length + other.length > 5_000) throw new Error('Redis never came back');
        },
      });
    const fault = (async () => {
      while (accepted < 150) await sleep(10);
      await redis.kill();
      const downAt = performance.now();
      await sleep(2_000);
      await redis.start();
      return performance.now() - downAt;
    })();
    await Promise.all(sessions.map(writer));
    const downMs = await fault;

    expect(other, JSON.stringify(other.slice(0, 3))).toEqual([]);
    expect(accepted).toBe(SESSIONS * WRITES);
    const notDone: Record<string, unknown>[] = [];
    for (const jobId of jobs) {
      const job = await waitForJob(fleet.url, jobId, 120_000);
      if (job.state !== 'done') notDone.push(job);
    }
    // An accepted query must never end failed because Redis was away (issue 10: it did, SERVER_BUSY, when the
    // shared server's connections filled up around the outage and the drain gave up after about 3.5 s).
    if (notDone.length > 0) console.log(JSON.stringify(notDone), fleet.faults());
    expect(notDone.map((job) => job.jobId)).toEqual([]);

    for (const sessionId of sessions) {
      const read = await submit(
        { engine: 'postgres', sessionId, query: 'SELECT seq, attempt FROM w ORDER BY id' },
        120_000,
      );
      const rows = (read.body.results as { rows: string[][] }[] | undefined)?.[0]?.rows.map((r) => Number(r[0]));
      if (rows?.length !== WRITES) console.log(sessionId, JSON.stringify(read.body.results));
      expect({ sessionId, rows }).toEqual({ sessionId, rows: Array.from({ length: WRITES }, (_, i) => i + 1) });
    }
    expect((await fetch(`${fleet.url}/api/health`)).status).toBe(200);
    for (const worker of fleet.workers) expect(worker.exitCode).toBeNull();
    const slowest = Math.max(0, ...refused.map((r) => r.ms));
    console.log(
      `redis outage: down ${Math.round(downMs)} ms, ${accepted} accepted, ${refused.length} refused with QUEUE_UNAVAILABLE ` +
        `(slowest refusal ${Math.round(slowest)} ms), 0 lost, 0 twice`,
    );
  });

  it('logs no warning over and over: repeats are folded', () => {
    expect(fleet.repeatedWarnings(), fleet.faults()).toEqual([]);
  });
});
