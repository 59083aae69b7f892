import { isAppError } from '@sqlfleet/core';
import { isRedisDown } from '@sqlfleet/queue';

export interface RetryPolicyOptions {
  /** How long a query failing for a passing reason is tried again, from its first failure (WORKER_RETRY_MS). */
  ceilingMs: number;
  /** First pause between tries; doubled each time up to `maxDelayMs`. Default 500 ms. */
  firstDelayMs?: number;
  /** Longest pause between tries. Default 5 s. */
  maxDelayMs?: number;
  /** Tries of a query failing with an error nobody classified (a defect more likely than an outage). Default 4. */
  unknownTries?: number;
}

/**
 * When a query that could not run is tried again. A passing condition (Redis away or failing over,
 * a database server restarting or full, no connection free: a retryable AppError or Redis being
 * down) is waited out for as long as it lasts, up to `ceilingMs` from the query's first failure,
 * never for a fixed number of tries: an outage does not last a number of tries. An error of no
 * known kind is tried a few times only; a non-retryable one never.
 */
export class RetryPolicy {
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly unknownTries: number;

  constructor(private readonly options: RetryPolicyOptions) {
    this.firstDelayMs = options.firstDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 5_000;
    this.unknownTries = options.unknownTries ?? 4;
  }

  /**
   * The pause before the next try, or undefined to give up. `tries`: tries so far (1 after the first);
   * `failingForMs`: time since the first of them failed.
   */
  delayMs(error: unknown, tries: number, failingForMs: number): number | undefined {
    if (isAppError(error) ? !error.retryable : !isRedisDown(error) && tries >= this.unknownTries) return undefined;
    const left = this.options.ceilingMs - failingForMs;
    if (left <= 0) return undefined;
    const backoff = Math.min(this.maxDelayMs, this.firstDelayMs * 2 ** Math.min(tries - 1, 20));
    return Math.min(backoff, left);
  }
}
