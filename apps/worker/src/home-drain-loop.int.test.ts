/**
 * The worker's home queue (issue 9 item 5): sessions SUBMIT adds there are drained without a BullMQ job,
 * first priority first, never more at once than the worker's concurrency; a stopping loop takes no more.
 */
import { randomUUID } from 'node:crypto';
import { FleetKeys, HomeQueue } from '@sqlfleet/queue';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/until.ts';
import { HomeDrainLoop } from './home-drain-loop.ts';

const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const blocking = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const keys = new FleetKeys(`t${randomUUID().slice(0, 8)}`);
afterAll(async () => {
  const leftovers = await redis.keys(`${keys.fleetId}:*`);
  if (leftovers.length > 0) await redis.del(...leftovers);
  redis.disconnect();
  blocking.disconnect();
});

/** Adds a session as SUBMIT does a session that has a sandbox: scored by priority, then arrival. */
async function add(queue: HomeQueue, sessionId: string, priority: number, arrival: number): Promise<void> {
  await redis.zadd(queue.key, (priority - 1) * 2 ** 32 + arrival, sessionId);
}

describe('home drain loop', () => {
  it('drains first priority first, then first come, at most `concurrency` at once, and takes no more once stopping', async () => {
    const queue = new HomeQueue(redis, keys, 'postgres', 'w-test');
    await add(queue, 'late-low', 200, 1);
    await add(queue, 'early-high', 10, 3);
    await add(queue, 'late-high', 10, 4);
    await add(queue, 'early-low', 200, 0);
    const started: string[] = [];
    let running = 0;
    let most = 0;
    const finish = new Map<string, () => void>();
    const loop = new HomeDrainLoop({
      queue,
      blocking,
      concurrency: 2,
      drain: async (sessionId) => {
        started.push(sessionId);
        most = Math.max(most, ++running);
        await new Promise<void>((resolve) => finish.set(sessionId, resolve));
        running--;
      },
      handBack: async () => undefined,
      logger: pino({ level: 'silent' }),
    });
    const startedCount = (n: number) =>
      until(
        async () => started.length,
        (count) => count >= n,
      );
    loop.start();
    expect(await startedCount(2)).toBe(2);
    // Both slots taken: the other two wait in the queue.
    expect(await redis.zcard(queue.key)).toBe(2);
    finish.get('early-high')?.();
    expect(await startedCount(3)).toBe(3);
    finish.get('late-high')?.();
    expect(await startedCount(4)).toBe(4);
    expect(started).toEqual(['early-high', 'late-high', 'early-low', 'late-low']);
    expect(most).toBe(2);

    const closed = loop.close();
    finish.get('early-low')?.();
    finish.get('late-low')?.();
    await closed;
    // Stopped: a session added now stays in the queue (the worker's stop hands it to the shared queue).
    await add(queue, 'after-stop', 100, 5);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(started).toHaveLength(4);
    expect(await redis.zrange(queue.key, 0, -1)).toEqual(['after-stop']);
  });
});
