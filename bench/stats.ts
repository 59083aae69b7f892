/** Latency samples → the figures every bench row reports. */
export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Completed operations per second of wall time, when the caller knows the wall time. */
  perSecond?: number;
}

/** Nearest-rank percentile of sorted samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export function summarize(samples: readonly number[], wallMs?: number): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const summary: Summary = {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
  if (wallMs !== undefined && wallMs > 0) summary.perSecond = (sorted.length / wallMs) * 1000;
  return summary;
}

/** Milliseconds since `start` (a `performance.now()` reading). */
export const since = (start: number): number => performance.now() - start;

/**
 * Runs `op` `warmup` times unrecorded, then `iterations` times one after another, and
 * summarizes the recorded latencies with the wall time of the recorded part.
 */
export async function sequential(
  op: () => Promise<unknown>,
  { warmup, iterations }: { warmup: number; iterations: number },
): Promise<Summary> {
  for (let i = 0; i < warmup; i++) await op();
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await op();
    samples.push(since(t));
  }
  return summarize(samples, since(started));
}

/**
 * Closed loop: `lanes` run at once, each calling its own op `perLane` times in a row (a
 * student waits for an answer before the next query). Latency of every answered call, wall time
 * of all; failed calls are counted, not timed.
 */
export async function lanes(
  ops: readonly (() => Promise<unknown>)[],
  perLane: number,
): Promise<{ summary: Summary; failed: number; firstError?: string }> {
  const samples: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  const started = performance.now();
  await Promise.all(
    ops.map(async (op) => {
      for (let i = 0; i < perLane; i++) {
        const t = performance.now();
        try {
          await op();
          samples.push(since(t));
        } catch (error) {
          failed++;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
    }),
  );
  const summary = summarize(samples, since(started));
  return firstError === undefined ? { summary, failed } : { summary, failed, firstError };
}

/**
 * Open loop: starts `op(i)` at `rate` per second, `count` times, whether or not earlier calls
 * have answered (students do not wait for each other). Latency runs from each call's scheduled
 * start, so a fleet that falls behind shows it (no coordinated omission). Failed calls are
 * counted, not timed.
 */
export async function openLoop(
  op: (i: number) => Promise<unknown>,
  { rate, count }: { rate: number; count: number },
): Promise<{ summary: Summary; failed: number; firstError?: string }> {
  const samples: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  const calls: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const at = started + (i * 1000) / rate;
    const wait = at - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    calls.push(
      op(i).then(
        () => {
          samples.push(performance.now() - at);
        },
        (error: unknown) => {
          failed++;
          firstError ??= error instanceof Error ? error.message : String(error);
        },
      ),
    );
  }
  await Promise.all(calls);
  const summary = summarize(samples, since(started));
  return firstError === undefined ? { summary, failed } : { summary, failed, firstError };
}
