import { randomUUID } from 'node:crypto';
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

describe('JobStore', () => {
  it('fails a queued job, with a TTL', async () => {
    const jobId = randomUUID();
    await redis.hset(keys.job(jobId), { sessionId: 's', state: 'queued' });
    expect(await store.get(jobId)).toEqual({ jobId, sessionId: 's', state: 'queued' });
    const failed = await store.fail(jobId, { code: 'SESSION_NOT_FOUND', message: 'deleted' });
    expect(failed).toEqual({
      jobId,
      sessionId: 's',
      state: 'failed',
      error: { code: 'SESSION_NOT_FOUND', message: 'deleted' },
    });
    expect(await redis.pttl(keys.job(jobId))).toBeGreaterThan(0);
  });

  it('keeps the first answer when a job is failed after it finished', async () => {
    const jobId = randomUUID();
    await redis.hset(keys.job(jobId), { sessionId: 's', state: 'done', payload: JSON.stringify({ rows: [1] }) });
    const failedLater = await store.fail(jobId, { code: 'JOB_FAILED', message: 'late' });
    expect(failedLater).toMatchObject({ state: 'done', result: { rows: [1] } });
  });

  it('knows nothing of a job it never stored', async () => {
    expect(await store.get(randomUUID())).toBeUndefined();
  });
});
