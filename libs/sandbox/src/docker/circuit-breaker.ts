import { AppError } from '@sqlfleet/core';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long an open circuit refuses calls before letting one probe through. Default 10 s. */
  coolDownMs?: number;
  /** Which errors count as the dependency failing (others pass through and count as success). Default: all. */
  isFailure?: (error: unknown) => boolean;
  /** What a refused call throws. Default: a retryable CONTAINER_ENGINE_DOWN. */
  refusal?: () => Error;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

export interface CircuitSnapshot {
  state: CircuitState;
  /** Consecutive failures so far. */
  failures: number;
  /** When an open circuit lets its next probe through (epoch ms), else undefined. */
  retryAt?: number;
}

/**
 * Fails fast while a dependency is down, instead of letting every caller wait for its own timeout.
 * closed → (N consecutive failures) → open → (cool-down) → half-open: one call goes through as a
 * probe, the others are refused; the probe's success closes the circuit, its failure opens it again.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private probing = false;
  private readonly threshold: number;
  private readonly coolDownMs: number;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions = {}) {
    this.threshold = options.failureThreshold ?? 5;
    this.coolDownMs = options.coolDownMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  state(): CircuitState {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.coolDownMs ? 'half-open' : 'open';
  }

  snapshot(): CircuitSnapshot {
    const state = this.state();
    const snapshot: CircuitSnapshot = { state, failures: this.failures };
    if (this.openedAt !== undefined) snapshot.retryAt = this.openedAt + this.coolDownMs;
    return snapshot;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const state = this.state();
    if (state === 'open' || (state === 'half-open' && this.probing)) throw this.refuse();
    const probe = state === 'half-open';
    if (probe) this.probing = true;
    try {
      const value = await fn();
      this.succeeded();
      return value;
    } catch (error) {
      if (this.options.isFailure?.(error) ?? true) this.failed();
      else this.succeeded();
      throw error;
    } finally {
      if (probe) this.probing = false;
    }
  }

  private succeeded(): void {
    this.failures = 0;
    this.openedAt = undefined;
  }

  private failed(): void {
    this.failures += 1;
    // A failed probe re-opens at once; a closed circuit opens at the threshold.
    if (this.openedAt !== undefined || this.failures >= this.threshold) this.openedAt = this.now();
  }

  private refuse(): Error {
    return (
      this.options.refusal?.() ??
      new AppError('CONTAINER_ENGINE_DOWN', 'The container engine is not answering; try again shortly')
    );
  }
}
