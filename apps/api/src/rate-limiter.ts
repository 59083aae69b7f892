import { AppError } from '@sqlfleet/core';
import type { EnqueueChecks, FleetKeys } from '@sqlfleet/queue';
import type { Redis } from 'ioredis';

const WINDOW_MS = 60_000;

/**
 * Per-client fixed-window limit shared by every API replica (a counter per client per minute
 * in Redis), for HTTP and Socket.IO submissions alike. A query on an existing session is
 * counted inside the submission's own round trip (`window`); everything else through `take`.
 */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly perMinute: number,
  ) {}

  /** Counts one request; throws RATE_LIMITED (with retryAfterS) past the limit. */
  async take(clientId: string, now = Date.now()): Promise<void> {
    const window = this.window(clientId, now);
    if (!window) return;
    const [[, count]] = (await this.redis.multi().incr(window.key).pexpire(window.key, window.windowMs).exec()) as [
      [unknown, number],
    ];
    if (count > this.perMinute) throw this.refusal(now);
  }

  /** The counter a submission script increments for this client now; undefined when there is no limit. */
  window(clientId: string, now = Date.now()): EnqueueChecks['rate'] {
    if (this.perMinute === 0) return undefined;
    const key = this.keys.rate(clientId, Math.floor(now / WINDOW_MS));
    return { key, limit: this.perMinute, windowMs: WINDOW_MS + 1_000 };
  }

  refusal(now = Date.now()): AppError {
    const retryAfterS = Math.ceil((WINDOW_MS - (now % WINDOW_MS)) / 1000);
    return new AppError(
      'RATE_LIMITED',
      `More than ${this.perMinute} requests a minute; try again in ${retryAfterS} s`,
      {
        details: { retryAfterS },
      },
    );
  }
}
