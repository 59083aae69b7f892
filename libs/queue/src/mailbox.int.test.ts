import { randomUUID } from 'node:crypto';
import type { QueryJob } from '@sqlfleet/contracts';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { readBacklog } from './backlog.ts';
import { createDrainQueue } from './drain-queue.ts';
import { FleetKeys } from './keys.ts';
import { Mailbox, NO_ROOM } from './mailbox.ts';

const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const keys = new FleetKeys(`t${randomUUID().slice(0, 8)}`);
const queue = createDrainQueue(redis, keys);
const mailbox = new Mailbox(redis, keys, queue);
afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  const leftovers = await redis.keys(`${keys.fleetId}:*`);
  if (leftovers.length > 0) await redis.del(...leftovers);
  redis.disconnect();
});

const job = (sessionId: string, n: number, room?: string): QueryJob => ({
  jobId: randomUUID(),
  sessionId,
  engine: 'mysql',
  query: `SELECT ${n}`,
  fingerprint: 'f',
  limits: { timeoutMs: 1000, maxRows: 10, maxBytes: 1000 },
  submittedAt: Date.now(),
  ...(room ? { room } : {}),
});

describe('Mailbox', () => {
  it('hands out a session’s queries in order, one drain job per session, and counts the backlog', async () => {
    const session = randomUUID();
    for (let n = 1; n <= 3; n++) await mailbox.enqueue(job(session, n, 'room-1'));
    expect(await queue.getJobCountByTypes('waiting')).toBe(1);
    expect(await readBacklog(redis, keys, queue)).toMatchObject({
      queries: 3,
      byRoom: { 'room-1': 3 },
      byEngine: { mysql: 3 },
    });
    const seen: string[] = [];
    for (let item = await mailbox.head(session); item; item = await mailbox.head(session)) {
      seen.push(item.job.query);
      await mailbox.pop(item);
    }
    expect(seen).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3']);
    expect(await readBacklog(redis, keys, queue)).toMatchObject({ queries: 0, byRoom: {}, byEngine: {} });
  });

  it('does not pop a head that is no longer the job that ran (the session was cleared meanwhile)', async () => {
    const session = randomUUID();
    await mailbox.enqueue(job(session, 1));
    const head = await mailbox.head(session);
    const dropped = await mailbox.clear(session);
    expect(dropped.map((j) => j.query)).toEqual(['SELECT 1']);
    await mailbox.enqueue(job(session, 2));
    if (head) await mailbox.pop(head);
    expect((await mailbox.head(session))?.job.query).toBe('SELECT 2');
    expect(Number(await redis.hget(keys.backlogByRoom, NO_ROOM))).toBe(1);
  });
});
