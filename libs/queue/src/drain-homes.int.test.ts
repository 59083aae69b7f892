/**
 * Session affinity (issue 9): a session's next drain goes to the own queue of the worker that ran it
 * last while that worker is alive, so the session's connection is reused instead of a backend opened
 * on another worker; a worker gone for good has its queue's drains handed to the shared queue.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { readBacklog } from './backlog.ts';
import { DrainHomes } from './drain-homes.ts';
import { DrainQueues } from './drain-queue.ts';
import { HomeQueue } from './home-queue.ts';
import { FleetKeys } from './keys.ts';
import { type EnqueueChecks, Mailbox, type MailboxOptions, type NewJob } from './mailbox.ts';
import { HEARTBEAT_STALE_MS, WorkerHeartbeats } from './worker-heartbeats.ts';

const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const options: MailboxOptions = { resultTtlMs: 60_000, leaseMs: 60_000, roomConcurrency: 0, roomPriority: 100 };
const checks: EnqueueChecks = { backlog: 1000, pendingPerSession: 100, schemaTtlMs: 60_000 };
const HOME = 'w-home';
const made: { keys: FleetKeys; queues: DrainQueues }[] = [];
afterAll(async () => {
  for (const { keys, queues } of made) {
    for (const [, queue] of await queues.all()) await queue.obliterate({ force: true });
    await queues.close();
    const leftovers = await redis.keys(`${keys.fleetId}*`);
    if (leftovers.length > 0) await redis.del(...leftovers);
  }
  redis.disconnect();
});

let keys: FleetKeys;
let queues: DrainQueues;
/** The API's mailbox (no home) and the home worker's. */
let api: Mailbox;
let worker: Mailbox;
let heartbeats: WorkerHeartbeats;
beforeEach(() => {
  keys = new FleetKeys(`t${randomUUID().slice(0, 8)}`);
  queues = new DrainQueues(redis, keys);
  made.push({ keys, queues });
  api = new Mailbox(redis, keys, queues, options);
  worker = new Mailbox(redis, keys, queues, { ...options, home: HOME });
  heartbeats = new WorkerHeartbeats(redis, keys);
});

const beat = (at: number) => heartbeats.beat({ id: HOME, at, concurrency: 1, busy: 0, engines: ['postgres'] });

async function session(): Promise<string> {
  const id = randomUUID();
  await redis.hset(keys.session(id), { id, engine: 'postgres', fingerprint: 'f' });
  await redis.set(keys.schema('f'), '{}');
  return id;
}

const job = (sessionId: string): NewJob => ({
  jobId: randomUUID(),
  sessionId,
  engine: 'postgres',
  query: 'SELECT 1',
  limits: { timeoutMs: 1000, maxRows: 10, maxBytes: 1000 },
  submittedAt: Date.now(),
});

/** Runs the session's mailbox empty as the home worker would. */
async function drainAsHome(sessionId: string): Promise<void> {
  const start = await worker.begin(sessionId, 'owner');
  if (start.kind !== 'item') throw new Error(`expected an item, got ${start.kind}`);
  for (let item = start.item as typeof start.item | undefined; item; ) {
    ({ next: item } = await worker.complete(item, start.room, { state: 'done', payload: '{}' }, 'owner'));
  }
}

/** Sessions waiting for a drain: in the shared queue, or in a worker's home queue and its own BullMQ queue. */
const waitingIn = async (home?: string) => {
  const counts = await queues.for('postgres', home).getJobCounts('waiting', 'prioritized', 'delayed');
  const homed = home ? await redis.zcard(keys.homeQueue('postgres', home)) : 0;
  return homed + (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
};

describe('drain homes', () => {
  it('sends a session’s next drain to the worker that ran it while that worker beats, else to the shared queue', async () => {
    const id = await session();
    await api.enqueue(job(id), checks);
    // No home and no worker alive to give it one: the shared queue.
    expect([await waitingIn(), await waitingIn(HOME)]).toEqual([1, 0]);
    await queues.for('postgres').obliterate({ force: true });
    await drainAsHome(id);
    expect(await redis.hget(keys.session(id), 'home')).toBe(HOME);

    await beat(Date.now());
    await api.enqueue(job(id), checks);
    expect([await waitingIn(), await waitingIn(HOME)]).toEqual([0, 1]);
    // The backlog counts the sessions waiting in a worker's own queue too.
    await new DrainHomes(redis, keys, queues, api, heartbeats).open(HOME);
    expect((await readBacklog(redis, keys, queues)).sessionsByEngine.postgres).toEqual({ waiting: 1, active: 0 });

    // The home worker takes it from its home queue and drains it.
    expect(await new HomeQueue(redis, keys, 'postgres', HOME).take(redis, 1)).toEqual({ sessionId: id, priority: 100 });
    await drainAsHome(id);
    // The home worker stopped beating: its session goes to the shared queue again.
    await beat(Date.now() - HEARTBEAT_STALE_MS - 1_000);
    await api.enqueue(job(id), checks);
    expect([await waitingIn(), await waitingIn(HOME)]).toEqual([1, 0]);
  });

  it('serves, within a priority, sessions that have a sandbox before those waiting for one to be built', async () => {
    await beat(Date.now());
    const queue = new HomeQueue(redis, keys, 'postgres', HOME);
    const [cold, warm, lowWarm] = [await session(), await session(), await session()];
    await redis.hset(keys.session(warm), 'sandbox', '{}', 'home', HOME);
    await redis.hset(keys.session(lowWarm), 'sandbox', '{}', 'home', HOME, 'room', 'low');
    await redis.hset(keys.session(cold), 'home', HOME);
    await redis.hset(keys.roomPriority, 'low', 200);
    for (const id of [lowWarm, cold, warm]) await api.enqueue(job(id), checks);
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await queue.take(redis, 1))?.sessionId);
    expect(order).toEqual([warm, cold, lowWarm]);
  });

  it('gives sessions without a live home one in turn among the live workers of their engine', async () => {
    const now = Date.now();
    const workers = { a: 'w-a', b: 'w-b', mysqlOnly: 'w-c', gone: 'w-d' };
    for (const [id, engines, at] of [
      [workers.a, ['postgres'], now],
      [workers.b, ['postgres', 'mysql'], now],
      [workers.mysqlOnly, ['mysql'], now],
      [workers.gone, ['postgres'], now - HEARTBEAT_STALE_MS - 1_000],
    ] as const) {
      await new DrainHomes(redis, keys, queues, api, heartbeats).open(id);
      await heartbeats.beat({ id, at, concurrency: 1, busy: 0, engines: [...engines] });
    }
    for (let i = 0; i < 6; i++) await api.enqueue(job(await session()), checks);
    const waiting = {
      a: await waitingIn(workers.a),
      b: await waitingIn(workers.b),
      mysqlOnly: await waitingIn(workers.mysqlOnly),
      gone: await waitingIn(workers.gone),
      shared: await waitingIn(),
    };
    expect(waiting).toEqual({ a: 3, b: 3, mysqlOnly: 0, gone: 0, shared: 0 });
  });

  it('hands a gone worker’s drains to the shared queue once its heartbeat has been stale long enough', async () => {
    const homes = new DrainHomes(redis, keys, queues, api, heartbeats);
    await homes.open(HOME);
    const now = Date.now();
    await beat(now);
    // One session waits in the home queue, one in the worker's BullMQ queue (a drain that waits first).
    const ids = [await session(), await session()];
    await api.enqueue(job(ids[0] as string), checks);
    await api.scheduleDrain(ids[1] as string, 'postgres', 100, HOME);
    expect(await homes.sweep(now)).toEqual([]);
    // Stale, first seen so: not yet (API replicas may have routed to it until just now).
    expect(await homes.sweep(now + HEARTBEAT_STALE_MS + 1)).toEqual([]);
    expect(await waitingIn(HOME)).toBe(2);
    expect(await homes.sweep(now + 2 * HEARTBEAT_STALE_MS + 2)).toEqual([HOME]);
    expect([await waitingIn(), await waitingIn(HOME)]).toEqual([2, 0]);
    const shared = await queues.for('postgres').getJobs(['prioritized', 'waiting']);
    expect(shared.map((j) => j.data.sessionId).sort()).toEqual([...ids].sort());
    expect(await redis.smembers(keys.drainHomes)).toEqual([]);
  });

  it('gives a drain to a session a worker took from its home queue and died draining', async () => {
    const homes = new DrainHomes(redis, keys, queues, api, heartbeats);
    await homes.open(HOME);
    const now = Date.now();
    await beat(now);
    const id = await session();
    await api.enqueue(job(id), checks);
    // The home worker takes the session and begins its drain; then its process dies.
    expect(await new HomeQueue(redis, keys, 'postgres', HOME).take(redis, 1)).toMatchObject({ sessionId: id });
    expect((await worker.begin(id, 'dead-drain')).kind).toBe('item');
    expect([await waitingIn(), await waitingIn(HOME)]).toEqual([0, 0]);
    expect((await readBacklog(redis, keys, queues)).sessionsByEngine.postgres).toEqual({ waiting: 0, active: 1 });

    await homes.sweep(now + HEARTBEAT_STALE_MS + 1);
    expect(await homes.sweep(now + 2 * HEARTBEAT_STALE_MS + 2)).toEqual([HOME]);
    const shared = await queues.for('postgres').getJobs(['prioritized', 'waiting']);
    expect(shared.map((j) => j.data.sessionId)).toEqual([id]);
    // The query is still there for that drain, which takes it once the dead drain's lease has run out.
    expect(await api.pending(id)).toBe(1);
  });
});
