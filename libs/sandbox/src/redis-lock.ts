import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '@sqlfleet/core';
import type { FleetKeys } from '@sqlfleet/queue';
import type { Redis } from 'ioredis';

const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
const EXTEND =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";

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
    const { leaseMs = 30_000, waitMs = 120_000 } = options;
    const key = this.keys.lock(name);
    const token = randomUUID();
    const giveUpAt = Date.now() + waitMs;
    let pause = 10;
    while ((await this.redis.set(key, token, 'PX', leaseMs, 'NX')) !== 'OK') {
      if (Date.now() > giveUpAt) {
        throw new AppError('SANDBOX_FAILED', `Timed out waiting for lock ${name}`);
      }
      await sleep(pause);
      pause = Math.min(pause * 2, 250);
    }
    const renew = setInterval(() => {
      this.redis.eval(EXTEND, 1, key, token, leaseMs).catch(() => undefined);
    }, leaseMs / 3);
    try {
      return await work();
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    }
  }
}
