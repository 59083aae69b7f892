import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { FleetKeys } from '@sqlfleet/queue';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisLocks } from './redis-lock.ts';

const redis = new Redis('redis://127.0.0.1:6379');
const keys = new FleetKeys(`t${randomUUID().slice(0, 8)}`);
const locks = new RedisLocks(redis, keys);
afterAll(() => redis.disconnect());

describe('RedisLocks', () => {
  it('never lets two holders of one name work at once, and releases after', async () => {
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        locks.run('a', async () => {
          inside++;
          most = Math.max(most, inside);
          await sleep(20);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(await redis.exists(keys.lock('a'))).toBe(0);
  });

  it('keeps a lease alive while its holder works past the lease', async () => {
    let secondRan = false;
    const first = locks.run('b', () => sleep(1500), { leaseMs: 600 });
    await sleep(800);
    const second = locks.run('b', async () => {
      secondRan = true;
    });
    await sleep(100);
    expect(secondRan).toBe(false);
    await Promise.all([first, second]);
    expect(secondRan).toBe(true);
  });

  it('gives up waiting with a retryable error', async () => {
    const holder = locks.run('c', () => sleep(300));
    await expect(locks.run('c', async () => 1, { waitMs: 50 })).rejects.toMatchObject({
      code: 'SANDBOX_FAILED',
      retryable: true,
    });
    await holder;
  });

  it('reads inside the lock: a read sent with a lock another holds is done again once the lock is taken', async () => {
    const key = `${keys.fleetId}:value`;
    const read = () => redis.get(key);
    // Free: the read sent with the SET NX is the one the work gets.
    expect(await locks.runAfterRead('e', read, async (value) => value)).toBeNull();
    const first = locks.run('e', async () => {
      await sleep(100);
      await redis.set(key, 'written by the first holder');
    });
    await sleep(20);
    const second = await locks.runAfterRead('e', read, async (value) => value);
    await first;
    expect(second).toBe('written by the first holder');
    await redis.del(key);
  });

  it('releases the lock when the work throws', async () => {
    await expect(locks.run('d', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await locks.run('d', async () => 'again', { waitMs: 10 })).toBe('again');
  });
});
