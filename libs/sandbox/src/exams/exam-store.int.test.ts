import { randomUUID } from 'node:crypto';
import { FleetKeys } from '@sqlfleet/queue';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../provisioner.ts';
import { type ExamRecord, ExamStore } from './exam-store.ts';

const redis = new Redis('redis://127.0.0.1:6379');
const keys = new FleetKeys(`t${randomUUID().slice(0, 8)}`);
const store = new ExamStore(redis, keys);
afterAll(async () => {
  const leftovers = await redis.keys(`${keys.fleetId}*`);
  if (leftovers.length > 0) await redis.del(...leftovers);
  redis.disconnect();
});

const sandbox = (id: string): Sandbox => ({
  id,
  provisioner: 'server',
  sessionId: `exam:${id}`,
  engine: 'postgres',
  fingerprint: 'fp',
  createdAt: 1,
  target: { engine: 'postgres', host: '127.0.0.1', port: 5432, database: id, user: id, password: 'p' },
});

/** A session as the API stores it, without a sandbox yet. */
async function session(room: string): Promise<string> {
  const id = randomUUID();
  await redis.hset(keys.session(id), { id, engine: 'postgres', fingerprint: 'fp', room });
  return id;
}

async function exam(): Promise<ExamRecord> {
  const now = Date.now();
  const record: ExamRecord = {
    id: randomUUID(),
    room: `room-${randomUUID().slice(0, 6)}`,
    engine: 'postgres',
    fingerprint: 'fp',
    dbml: 'Table t { id int }',
    students: 6,
    target: 6,
    createdAt: now,
    expiresAt: now + 60_000,
  };
  expect(await store.create(record)).toBe(true);
  return record;
}

describe('an exam’s pool of pre-warmed sandboxes', () => {
  it('gives a worker the sandboxes it holds connections to first, then the others, each once', async () => {
    const { room, id } = await exam();
    const pushed: [string, string | undefined][] = [
      ['s1', 'w-a'],
      ['s2', 'w-b'],
      ['s3', undefined],
      ['s4', 'w-a'],
      ['s5', 'w-b'],
      ['s6', 'w-b'],
    ];
    for (const [name, heldBy] of pushed) expect(await store.pushReady(room, id, sandbox(name), heldBy)).toBe(true);

    const claimedBy = async (worker?: string) => (await store.claim(room, 'fp', await session(room), worker))?.id;
    expect([await claimedBy('w-a'), await claimedBy('w-a'), await claimedBy('w-a')]).toEqual(['s1', 's4', 's2']);
    expect([await claimedBy('w-b'), await claimedBy(), await claimedBy('w-b'), await claimedBy('w-b')]).toEqual([
      's5',
      's3',
      's6',
      undefined,
    ]);
    expect(await store.status(room)).toMatchObject({ ready: 0, claimed: 6, missed: 1 });
  });

  it('records the claimed sandbox as the session’s in the same step; a session that has one, or is gone, claims nothing', async () => {
    const { room, id } = await exam();
    for (const name of ['c1', 'c2']) await store.pushReady(room, id, sandbox(name), 'w-a');
    const student = await session(room);
    const claimed = await store.claim(room, 'fp', student, 'w-b');
    expect(claimed).toEqual({ ...sandbox('c1'), sessionId: student });
    expect(JSON.parse((await redis.hget(keys.session(student), 'sandbox')) ?? '{}')).toEqual(claimed);
    // Its next claim (a retried first query) takes nothing; nor does a session deleted meanwhile, of another
    // room, or asking for another schema.
    expect(await store.claim(room, 'fp', student)).toBeUndefined();
    expect(await store.claim(room, 'fp', randomUUID())).toBeUndefined();
    expect(await store.claim(room, 'fp', await session('another-room'))).toBeUndefined();
    expect(await store.claim(room, 'other-fp', await session(room))).toBeUndefined();
    expect(await store.status(room)).toMatchObject({ ready: 1, claimed: 1, missed: 0 });
  });

  it('hands back every unclaimed sandbox when the exam is removed, held or not', async () => {
    const { room, id } = await exam();
    await store.pushReady(room, id, sandbox('r1'), 'w-a');
    await store.pushReady(room, id, sandbox('r2'));
    expect((await store.remove(room))?.map((s) => s.id)).toEqual(['r1', 'r2']);
  });
});
