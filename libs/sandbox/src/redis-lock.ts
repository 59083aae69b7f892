import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '@sqlfleet/core';
import { type FleetKeys, LuaScript } from '@sqlfleet/queue';
import type { Redis } from 'ioredis';

const RELEASE = new LuaScript(
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
);
const EXTEND = new LuaScript(
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0",
);

export interface LockOptions {
  /** The lock expires this long after its holder stops renewing it (a dead worker). Default 30 s. */
  leaseMs?: number;
  /** How long to wait for the lock before giving up. Default 120 s (a container may take a minute). */
  waitMs?: number;
}

/**
 * A fleet-wide mutex in Redis: SET NX with a lease, renewed while the holder works,
 * released only by its holder. Makes `ensure` safe when several workers reach one session.
 */
export class RedisLocks {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
  ) {}

  async run<T>(name: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
    return this.runAfterRead(name, async () => undefined, work, options);
  }

  /**
   * As `run`, with `read` issued in the same tick as the lock's first SET NX, on the same connection: one
   * write, and Redis runs it right after the SET. When the lock was free (nearly always) the work starts
   * with what was read inside the lock, one round trip sooner; when it was not, `read` runs again once
   * the lock is held. The release is sent, not waited for: the next command on the connection comes after it.
   */
  async runAfterRead<R, T>(
    name: string,
    read: () => Promise<R>,
    work: (value: R) => Promise<T>,
    options: LockOptions = {},
  ): Promise<T> {
    const { leaseMs = 30_000, waitMs = 120_000 } = options;
    const key = this.keys.lock(name);
    const token = randomUUID();
    const giveUpAt = Date.now() + waitMs;
    const first = this.redis.set(key, token, 'PX', leaseMs, 'NX');
    let value = read();
    value.catch(() => undefined); // awaited only when the lock was free
    if ((await first) !== 'OK') {
      let pause = 10;
      do {
        if (Date.now() > giveUpAt) throw new AppError('SANDBOX_FAILED', `Timed out waiting for lock ${name}`);
        await sleep(pause);
        pause = Math.min(pause * 2, 250);
      } while ((await this.redis.set(key, token, 'PX', leaseMs, 'NX')) !== 'OK');
      value = read();
    }
    const renew = setInterval(() => {
      EXTEND.run(this.redis, [key], [token, leaseMs]).catch(() => undefined);
    }, leaseMs / 3);
    try {
      return await work(await value);
    } finally {
      clearInterval(renew);
      RELEASE.run(this.redis, [key], [token]).catch(() => undefined);
    }
  }
}
