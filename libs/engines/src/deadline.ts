import type { Logger } from '@sqlfleet/core';

export const HARD_STOP = Symbol('hard-stop');

export interface DeadlineOptions {
  timeoutMs: number;
  /** Asks the engine to stop the running statement; called when the limit fires and again every `retryMs` until cleared. */
  cancel: () => Promise<void>;
  /** How long after the limit `hardStop` resolves, for a statement the cancel did not stop. */
  graceMs: number;
  retryMs?: number;
  logger?: Logger;
}

/**
 * The client-side watchdog of one script. The server-side limit can be switched off by the
 * student's own SQL (`SET statement_timeout = 0`), so at the limit this cancels from outside
 * and keeps cancelling (a cancel that lands between two statements stops nothing).
 */
export class Deadline {
  private readonly startedAt = performance.now();
  private readonly timers: NodeJS.Timeout[] = [];
  private retry?: NodeJS.Timeout;
  private inFlight: Promise<void> = Promise.resolve();
  private cleared = false;
  fired = false;
  /** Resolves `timeoutMs + graceMs` after the start: past it, give up on the connection. */
  readonly hardStop: Promise<typeof HARD_STOP>;

  constructor(private readonly options: DeadlineOptions) {
    this.timers.push(setTimeout(() => this.fire(), options.timeoutMs));
    this.hardStop = new Promise((resolve) => {
      this.timers.push(setTimeout(() => resolve(HARD_STOP), options.timeoutMs + options.graceMs));
    });
  }

  remainingMs(): number {
    return this.options.timeoutMs - (performance.now() - this.startedAt);
  }

  /** True once the limit has passed, or so nearly that a server-side timeout just now was ours. */
  reached(toleranceMs = 100): boolean {
    return this.fired || this.remainingMs() <= toleranceMs;
  }

  /** Stops the watchdog and waits for a cancel already sent, so it cannot hit later work. */
  async clear(): Promise<void> {
    this.cleared = true;
    for (const t of this.timers) clearTimeout(t);
    clearInterval(this.retry);
    await this.inFlight;
  }

  private fire(): void {
    if (this.cleared) return;
    this.fired = true;
    this.sendCancel();
    this.retry = setInterval(() => this.sendCancel(), this.options.retryMs ?? 250);
  }

  private sendCancel(): void {
    this.inFlight = this.inFlight
      .then(() => (this.cleared ? undefined : this.options.cancel()))
      .catch((err: unknown) => this.options.logger?.debug({ err }, 'cancel at the time limit failed'));
  }
}
