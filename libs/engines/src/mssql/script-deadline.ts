/** How a guarded piece of work ended. */
export type Guarded<T> = { settled: true; value: T } | { settled: false };

/**
 * One deadline for a whole script, across all its batches. When it passes, the running batch is
 * cancelled (TDS attention); if the batch has still not ended `graceMs` later (a server that does
 * not answer the attention), the caller stops waiting and must throw the connection away.
 */
export class ScriptDeadline {
  private readonly endsAt: number;
  private passed = false;

  constructor(
    readonly timeoutMs: number,
    private readonly graceMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.endsAt = now() + timeoutMs;
  }

  /** Milliseconds left, at least 1 so that it can be handed to a driver as a timeout (0 means none). */
  remainingMs(): number {
    return Math.max(1, this.endsAt - this.now());
  }

  /** True once the deadline passed, whether it fired during a batch or between two. */
  get expired(): boolean {
    if (!this.passed && this.now() >= this.endsAt) this.passed = true;
    return this.passed;
  }

  /** Waits for `work`; at the deadline calls `cancel` once, and gives up `graceMs` after that. */
  async guard<T>(work: Promise<T>, cancel: () => void): Promise<Guarded<T>> {
    let timer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    const abandoned = new Promise<Guarded<T>>((resolve) => {
      const fire = () => {
        this.passed = true;
        try {
          cancel();
        } catch {
          // A request that already ended has nothing to cancel.
        }
        graceTimer = setTimeout(() => resolve({ settled: false }), this.graceMs);
      };
      const left = this.endsAt - this.now();
      if (left <= 0) fire();
      else timer = setTimeout(fire, left);
    });
    try {
      return await Promise.race([work.then((value): Guarded<T> => ({ settled: true, value })), abandoned]);
    } finally {
      clearTimeout(timer);
      clearTimeout(graceTimer);
    }
  }
}
