import { randomUUID } from 'node:crypto';
import type { QueryJob } from '@sqlfleet/contracts';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { readBacklog } from './backlog.ts';
import { DrainQueues } from './drain-queue.ts';
import { JobStore } from './job-store.ts';
import { FleetKeys } from './keys.ts';
import {
  type DrainJobData,
  type EnqueueChecks,
  Mailbox,
  type MailboxOptions,
  type NewJob,
  NO_ROOM,
} from './mailbox.ts';
import { parseAnnouncement } from './result-publisher.ts';

const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const subscriber = new Redis('redis://127.0.0.1:6379');
const options: MailboxOptions = { resultTtlMs: 60_000, leaseMs: 60_000, roomConcurrency: 0, roomPriority: 100 };
const checks: EnqueueChecks = { backlog: 1000, pendingPerSession: 100, schemaTtlMs: 60_000 };
const fleets: { keys: FleetKeys; queues: DrainQueues }[] = [];
/** The drain's owner token in the cases where one drain runs. */
const OWNER = 'drain-a';
afterAll(async () => {
  for (const { keys, queues } of fleets) {
    for (const [, queue] of queues.entries()) await queue.obliterate({ force: true });
    await queues.close();
    const leftovers = await redis.keys(`${keys.fleetId}:*`);
    if (leftovers.length > 0) await redis.del(...leftovers);
  }
  redis.disconnect();
  subscriber.disconnect();
});

// Each test has a fleet of its own: backlog counters and drain jobs are fleet-wide.
let keys: FleetKeys;
let queues: DrainQueues;
/** The test sessions are MySQL ones: their drains go to MySQL's queue. */
let queue: Queue<DrainJobData>;
let mailbox: Mailbox;
let jobs: JobStore;
beforeEach(() => {
  keys = new FleetKeys(`t${randomUUID().slice(0, 8)}`);
  queues = new DrainQueues(redis, keys);
  queue = queues.for('mysql');
  fleets.push({ keys, queues });
  mailbox = new Mailbox(redis, keys, queues, options);
  jobs = new JobStore(redis, keys, 60_000);
});

/** A session as the API stores it (libs/sandbox's SessionStore writes the same hash), with its schema. */
async function session(room?: string): Promise<string> {
  const id = randomUUID();
  await redis.hset(keys.session(id), { id, engine: 'mysql', fingerprint: 'f', ...(room ? { room } : {}) });
  await redis.set(keys.schema('f'), '{}');
  return id;
}

const job = (sessionId: string, n: number, room?: string): NewJob => ({
  jobId: randomUUID(),
  sessionId,
  engine: 'mysql',
  query: `SELECT ${n}`,
  limits: { timeoutMs: 1000, maxRows: 10, maxBytes: 1000 },
  submittedAt: Date.now(),
  ...(room ? { room } : {}),
});

const done = (item: { job: QueryJob }, rows: number) => ({
  state: 'done' as const,
  payload: JSON.stringify({ success: true, jobId: item.job.jobId, sessionId: item.job.sessionId, rows: Array(rows) }),
});

describe('Mailbox', () => {
  it('hands out a session’s queries in order, one drain job per session, and counts the backlog', async () => {
    const id = await session('room-1');
    for (let n = 1; n <= 3; n++) expect((await mailbox.enqueue(job(id, n), checks)).accepted).toBe(true);
    expect(await queue.getJobCountByTypes('prioritized')).toBe(1);
    expect(await readBacklog(redis, keys, queues)).toMatchObject({
      queries: 3,
      byRoom: { 'room-1': 3 },
      byEngine: { mysql: 3 },
    });
    const start = await mailbox.begin(id, OWNER);
    if (start.kind !== 'item') throw new Error(`expected an item, got ${start.kind}`);
    expect(start.item.job).toMatchObject({ fingerprint: 'f', room: 'room-1' });
    expect((await jobs.get(start.item.job.jobId))?.state).toBe('running');
    const seen: string[] = [];
    for (let item = start.item as typeof start.item | undefined; item; ) {
      seen.push(item.job.query);
      const { status, next } = await mailbox.complete(item, start.room, done(item, 1), OWNER);
      expect(status).toMatchObject({ state: 'done', result: { success: true } });
      item = next;
    }
    expect(seen).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3']);
    expect(await readBacklog(redis, keys, queues)).toMatchObject({ queries: 0, byRoom: {}, byEngine: {} });
  });

  it('needs no drain job for a query pushed while a worker drains the session, and one again after', async () => {
    const id = await session();
    await mailbox.enqueue(job(id, 1), checks);
    const start = await mailbox.begin(id, OWNER);
    if (start.kind !== 'item') throw new Error('expected an item');
    // As if a worker had taken the drain job: none is left waiting.
    await queue.obliterate({ force: true });
    await mailbox.enqueue(job(id, 2), checks);
    expect(await queue.count()).toBe(0);
    const { next } = await mailbox.complete(start.item, start.room, done(start.item, 1), OWNER);
    expect(next?.job.query).toBe('SELECT 2');
    if (next) expect((await mailbox.complete(next, start.room, done(next, 1), OWNER)).next).toBeUndefined();
    await mailbox.enqueue(job(id, 3), checks);
    expect(await queue.count()).toBe(1);
  });

  it('keeps the first stored result when a re-run finishes the job again, and announces it', async () => {
    const id = await session();
    await subscriber.subscribe(keys.resultsChannel);
    const heard: string[] = [];
    subscriber.on('message', (_channel, message: string) => heard.push(message));
    await mailbox.enqueue(job(id, 1), checks);
    const first = await mailbox.begin(id, OWNER);
    if (first.kind !== 'item') throw new Error('expected an item');
    // A worker stored its answer and died before popping: the head is still there, finished; its
    // lease has run out when the next drain comes.
    await redis.hset(keys.job(first.item.job.jobId), { state: 'done', payload: done(first.item, 1).payload });
    await redis.del(keys.draining(id));
    const again = await mailbox.begin(id, 'drain-b');
    if (again.kind !== 'item') throw new Error('expected an item');
    expect(again.item.stored).toMatchObject({ state: 'done', result: { rows: [null] } });
    const { status } = await mailbox.complete(again.item, again.room, done(again.item, 5), 'drain-b');
    expect(status?.result?.rows).toHaveLength(1);
    expect(await jobs.get(first.item.job.jobId)).toMatchObject({ state: 'done', result: { rows: [null] } });
    await expect
      .poll(() => heard.map((m) => parseAnnouncement(m)).find((a) => a.jobId === first.item.job.jobId)?.status?.state)
      .toBe('done');
    expect(await mailbox.pending(id)).toBe(0);
  });

  it('does not pop a head that is no longer the job that ran (the session was cleared meanwhile)', async () => {
    const id = await session();
    await mailbox.enqueue(job(id, 1), checks);
    const start = await mailbox.begin(id, OWNER);
    if (start.kind !== 'item') throw new Error('expected an item');
    const dropped = await mailbox.clear(id);
    expect(dropped.map((j) => j.query)).toEqual(['SELECT 1']);
    await mailbox.enqueue(job(id, 2), checks);
    const { next } = await mailbox.complete(start.item, start.room, done(start.item, 1), OWNER);
    expect(next?.job.query).toBe('SELECT 2');
    expect(Number(await redis.hget(keys.backlogByRoom, NO_ROOM))).toBe(1);
  });

  it('refuses what a submission must not pass, each with its reason', async () => {
    const id = await session();
    expect(await mailbox.enqueue({ ...job(id, 1), sessionId: randomUUID() }, checks)).toMatchObject({
      refusal: 'SESSION_NOT_FOUND',
    });
    expect(await mailbox.enqueue({ ...job(id, 1), engine: 'postgres' }, checks)).toMatchObject({
      refusal: 'SESSION_ENGINE_MISMATCH',
      detail: 'mysql',
    });
    expect(await mailbox.enqueue({ ...job(id, 1), fingerprint: 'unknown' }, checks)).toMatchObject({
      refusal: 'SCHEMA_MISSING',
    });
    await mailbox.enqueue(job(id, 1), checks);
    expect(await mailbox.enqueue(job(id, 2), { ...checks, pendingPerSession: 1 })).toMatchObject({
      refusal: 'SESSION_BUSY',
    });
    const rate = { key: keys.rate(randomUUID(), 0), limit: 1, windowMs: 60_000 };
    await mailbox.enqueue(job(id, 3), { ...checks, rate });
    expect(await mailbox.enqueue(job(id, 4), { ...checks, rate })).toMatchObject({ refusal: 'RATE_LIMITED' });
    expect(await mailbox.pending(id)).toBe(2);
  });

  it('keeps a second drain off a held session, and stops the first once its lease went to another', async () => {
    const id = await session();
    for (let n = 1; n <= 2; n++) await mailbox.enqueue(job(id, n), checks);
    const a = await mailbox.begin(id, 'drain-a');
    if (a.kind !== 'item') throw new Error('expected an item');
    // BullMQ handed the drain job to another worker while the first still runs it.
    const early = await mailbox.begin(id, 'drain-b');
    expect(early.kind).toBe('held');
    if (early.kind === 'held') expect(early.ms).toBeGreaterThan(0);
    expect(await mailbox.renew(id, 'mysql', a.room, 'drain-a')).toBe(true);

    // The first drain's lease ran out (its heartbeats could not reach Redis): the second takes the session.
    await redis.del(keys.draining(id));
    const b = await mailbox.begin(id, 'drain-b');
    if (b.kind !== 'item') throw new Error('expected an item');
    expect(b.item.job.jobId).toBe(a.item.job.jobId);
    expect(await mailbox.renew(id, 'mysql', a.room, 'drain-a')).toBe(false);

    // The first finishes its query: its answer is stored (first wins), but it pops and takes nothing.
    const lateA = await mailbox.complete(a.item, a.room, done(a.item, 1), 'drain-a');
    expect(lateA).toMatchObject({ lost: true, next: undefined, status: { state: 'done' } });
    expect(await mailbox.pending(id)).toBe(2);
    // The holder goes on in order: the same head (already answered), then the next.
    const onB = await mailbox.complete(b.item, b.room, done(b.item, 7), 'drain-b');
    expect(onB.status?.result?.rows).toHaveLength(1);
    expect(onB.next?.job.query).toBe('SELECT 2');
    expect(onB.lost).toBe(false);
  });

  it('defers a room at its share while another room has work, and lets a room alone use every slot', async () => {
    const capped = new Mailbox(redis, keys, queues, { ...options, roomConcurrency: 1 });
    const [a1, a2, b1] = [await session('exam-a'), await session('exam-a'), await session('exam-b')];
    for (const id of [a1, a2]) await capped.enqueue(job(id, 1), checks);
    expect((await capped.begin(a1, OWNER)).kind).toBe('item');
    // Room A alone: its second session may start too (no other room waits).
    const alone = await capped.begin(a2, OWNER);
    expect(alone.kind).toBe('item');
    if (alone.kind === 'item') await capped.release(alone.item, alone.room, OWNER);
    await capped.enqueue(job(b1, 1), checks);
    expect(await capped.begin(a2, OWNER)).toEqual({ kind: 'defer', room: 'exam-a' });
    expect((await capped.begin(b1, OWNER)).kind).toBe('item');
  });
});
