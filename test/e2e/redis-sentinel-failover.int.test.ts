/**
 * Redis high availability (issue 10, item 2). A fleet reaches Redis through three sentinels watching a
 * primary and its replica (all of the test's own, with passwords). 40 sessions send 10 INSERTs each; in
 * the middle the primary is SIGKILLed and the sentinels promote the replica. A refused write is sent again
 * with the same requestId, as an editor would. Every write answered 202 must finish once, in its
 * session's order, on the promoted replica; a Socket.IO client connected before the failover still gets
 * its results pushed after it. Prints what the failover cost (docs/reliability.md records it).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, loadConfig } from '@sqlfleet/core';
import { closeRedis, connectRedis, FleetKeys } from '@sqlfleet/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectSocket,
  postTimed,
  type StudentSocket,
  submitOverSocket,
  type TimedAnswer,
  waitForJob,
  writeInOrder,
} from '../support/client.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';
import { type SentinelGroup, startSentinelGroup } from '../support/redis-sentinel.ts';
import { until } from '../support/until.ts';

const SESSIONS = 40;
const WRITES = 10;
let group: SentinelGroup;
let fleet: Fleet;
let socket: StudentSocket | undefined;

beforeAll(async () => {
  group = await startSentinelGroup();
  await group.formed();
  fleet = await startFleet({
    workers: 2,
    reaper: true,
    // REDIS_URL blanked: set beside REDIS_SENTINELS it is refused (the runner's environment may carry one).
    // The job lock at its default, not the harness's 4 s: a lock shorter than the failover lets BullMQ hand an
    // active drain to a second worker (docs/reliability.md: with 1.5 s a session's queries ran twice and out of
    // order in 3 runs of 4; with 4 s in 1 of 8).
    env: {
      ...group.env,
      WORKER_LOCK_MS: '30000',
      REDIS_URL: '',
      RATE_LIMIT_PER_MINUTE: '100000',
      MAX_SESSIONS_PER_CLIENT: '100',
    },
  });
}, 120_000);
afterAll(async () => {
  socket?.disconnect();
  await fleet?.stop();
  await group?.stop();
}, 120_000);

const submit = (body: Record<string, unknown>, timeoutMs?: number) =>
  postTimed(fleet.url, body, () => fleet.logs(), timeoutMs);

/** Drain jobs BullMQ found stalled (lock gone while active) and gave to another worker: a session drained twice at once. */
async function stalledDrains(): Promise<number> {
  const redis = connectRedis(loadConfig(group.env).redis, createLogger({ name: 'test', level: 'silent' }));
  try {
    const events = await redis.xrange(
      `bull:${new FleetKeys(fleet.fleetId).drainQueueFor('postgres')}:events`,
      '-',
      '+',
    );
    return events.filter(([, fields]) => fields[0] === 'event' && fields[1] === 'stalled').length;
  } finally {
    await closeRedis(redis);
  }
}

const codeOf = (answer: TimedAnswer) =>
  `${answer.status} ${(answer.body.error as { code?: string } | undefined)?.code ?? String(answer.body.error ?? '')}`;

describe('the Redis primary SIGKILLed during 400 writes, the sentinels promoting its replica', () => {
  it('refuses with 503 QUEUE_UNAVAILABLE during the switch, then finishes every accepted write once, in order', {
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
    socket = await connectSocket(fleet.url);
    const firstPrimary = await group.primaryPort();

    let accepted = 0;
    let killedAt = 0;
    /** Since the kill: the last refusal, and the first write accepted after it (the fleet serving again). */
    let lastRefusalMs = 0;
    const refused = new Map<string, TimedAnswer[]>();
    const jobs: string[] = [];
    const writer = (sessionId: string) =>
      writeInOrder(submit, sessionId, WRITES, {
        accepted: (jobId) => {
          accepted++;
          jobs.push(jobId);
        },
        refused: (answer) => {
          if (killedAt) lastRefusalMs = performance.now() - killedAt;
          const code = codeOf(answer);
          refused.set(code, [...(refused.get(code) ?? []), answer]);
          if ([...refused.values()].flat().length > 5_000) throw new Error('the fleet never served again');
        },
      });
    const fault = (async () => {
      while (accepted < 150) await sleep(10);
      const primary = group.servers.find((server) => server.port === firstPrimary);
      await primary?.kill();
      killedAt = performance.now();
      const named = await until(group.primaryPort, (port) => port !== firstPrimary, 60_000);
      return { promotedMs: performance.now() - killedAt, promoted: named !== firstPrimary };
    })();
    await Promise.all(sessions.map(writer));
    const { promotedMs, promoted } = await fault;
    expect(promoted).toBe(true);

    const refusedCodes = [...refused.keys()];
    expect(
      refusedCodes.filter((code) => code !== '503 QUEUE_UNAVAILABLE'),
      JSON.stringify([...refused]),
    ).toEqual([]);
    expect(accepted).toBe(SESSIONS * WRITES);
    const stalled = await stalledDrains();
    const states = await Promise.all(jobs.map(async (jobId) => (await waitForJob(fleet.url, jobId, 120_000)).state));
    const lost = states.filter((state) => state !== 'done').length;
    if (lost > 0) console.log(fleet.faults());
    expect(lost).toBe(0);

    for (const sessionId of sessions) {
      const read = await submit(
        { engine: 'postgres', sessionId, query: 'SELECT seq, attempt FROM w ORDER BY id' },
        120_000,
      );
      const rows = (read.body.results as { rows: string[][] }[] | undefined)?.[0]?.rows.map((r) => Number(r[0]));
      if (rows?.length !== WRITES)
        console.log(sessionId, JSON.stringify(read.body.results), { stalled }, fleet.faults());
      expect({ sessionId, rows }).toEqual({ sessionId, rows: Array.from({ length: WRITES }, (_, i) => i + 1) });
    }
    // Pushed through the worker's and the API's Socket.IO adapters, both on the promoted primary now.
    const pushed = await submitOverSocket(socket, {
      engine: 'postgres',
      sessionId: sessions[0],
      query: 'SELECT count(*) AS n FROM w',
    });
    expect(pushed.result.rows).toEqual([{ n: String(WRITES) }]);
    expect((await fetch(`${fleet.url}/api/health`)).status).toBe(200);
    for (const worker of fleet.workers) expect(worker.exitCode).toBeNull();

    const refusals = [...refused].map(([code, answers]) => `${answers.length} ${code}`).join(', ') || 'none';
    const slowest = Math.max(0, ...[...refused.values()].flat().map((r) => r.ms));
    console.log(
      `redis failover: replica named primary after ${(promotedMs / 1000).toFixed(1)} s, last refusal ` +
        `${(lastRefusalMs / 1000).toFixed(1)} s after the kill; ${accepted} accepted, refused: ${refusals} ` +
        `(slowest refusal ${Math.round(slowest)} ms), ${lost} lost, 0 twice, ${stalled} drains stalled`,
    );
  });

  it('logs no warning over and over: repeats are folded', () => {
    expect(fleet.repeatedWarnings(), fleet.faults()).toEqual([]);
  });
});
