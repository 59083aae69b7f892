import { AppError } from '@sqlfleet/core';
import type { FleetKeys } from '@sqlfleet/queue';
import type { Redis } from 'ioredis';

/**
 * Per-client fixed-window limit shared by every API replica (a counter per client per minute
 * in Redis), for HTTP and Socket.IO submissions alike.
 */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly perMinute: number,
  ) {}

  /** Counts one request; throws RATE_LIMITED (with retryAfterS) past the limit. */
  async take(clientId: string, now = Date.now()): Promise<void> {
    if (this.perMinute === 0) return;
    const window = Math.floor(now / 60_000);
    const key = this.keys.rate(clientId, window);
    const [[, count]] = (await this.redis.multi().incr(key).pexpire(key, 61_000).exec()) as [[unknown, number]];
    if (count > this.perMinute) {
      const retryAfterS = Math.ceil(((window + 1) * 60_000 - now) / 1000);
      throw new AppError(
        'RATE_LIMITED',
        `More than ${this.perMinute} requests a minute; try again in ${retryAfterS} s`,
        {
          details: { retryAfterS },
        },
      );
    }
  }
}
