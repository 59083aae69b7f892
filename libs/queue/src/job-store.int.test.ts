import { randomUUID } from 'node:crypto';
import type { QueryResult } from '@sqlfleet/contracts';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { JobStore } from './job-store.ts';
import { FleetKeys } from './keys.ts';

const redis = new Redis('redis://127.0.0.1:6379');
const keys = new FleetKeys(`t${randomUUID().slice(0, 8)}`);
const store = new JobStore(redis, keys, 60_000);
afterAll(async () => {
  const leftovers = await redis.keys(`${keys.fleetId}:*`);
  if (leftovers.length > 0) await redis.del(...leftovers);
  redis.disconnect();
});

const resultOf = (jobId: string, rows: number): QueryResult => ({
  success: true,
  jobId,
  sessionId: 's',
  engine: 'postgres',
  sandbox: 'reused',
  results: [],
  rows: Array.from({ length: rows }, (_, i) => ({ i })),
  durationMs: 1,
});

describe('JobStore', () => {
  it('follows a job from queued to running to done', async () => {
    const jobId = randomUUID();
    await store.create(jobId, 's');
    expect(await store.get(jobId)).toEqual({ jobId, sessionId: 's', state: 'queued' });
    await store.markRunning(jobId);
    expect((await store.get(jobId))?.state).toBe('running');
    const done = await store.complete(jobId, resultOf(jobId, 1));
    expect(done).toMatchObject({ state: 'done', result: { rows: [{ i: 0 }] } });
    expect(await redis.pttl(keys.job(jobId))).toBeGreaterThan(0);
  });

  it('keeps the first answer when a re-run finishes the job again', async () => {
    const jobId = randomUUID();
    await store.create(jobId, 's');
    await store.complete(jobId, resultOf(jobId, 1));
    const second = await store.complete(jobId, resultOf(jobId, 5));
    expect(second.result?.rows).toHaveLength(1);
    const failedLater = await store.fail(jobId, { code: 'JOB_FAILED', message: 'late' });
    expect(failedLater).toMatchObject({ state: 'done', result: { rows: [{ i: 0 }] } });
    await store.markRunning(jobId);
    expect((await store.get(jobId))?.state).toBe('done');
  });

  it('knows nothing of a job it never stored', async () => {
    expect(await store.get(randomUUID())).toBeUndefined();
  });
});
