import { setTimeout as sleep } from 'node:timers/promises';

/**
 * One readiness condition. `check` answers true when met, false when not yet (try again), and throws
 * when it never will be (e.g. the container exited): waiting stops at once with that error.
 */
export interface Probe {
  name: string;
  check(): Promise<boolean>;
}

export interface WaitOptions {
  timeoutMs: number;
  /** Pause between two checks of a probe not met yet. Default 25 ms. */
  intervalMs?: number;
}

/** Waits for each probe in turn, all within one deadline; the timeout names the probe that was not met. */
export async function waitFor(probes: readonly Probe[], { timeoutMs, intervalMs = 25 }: WaitOptions): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const probe of probes) {
    while (!(await probe.check())) {
      if (Date.now() >= deadline) throw new Error(`not ready after ${timeoutMs} ms: ${probe.name}`);
      await sleep(intervalMs);
    }
  }
}

/** A probe whose check is a call that throws until ready; the last error is kept for the timeout message. */
export function answers(name: string, call: () => Promise<unknown>): Probe {
  const probe = {
    name,
    async check(): Promise<boolean> {
      try {
        await call();
        return true;
      } catch (error) {
        probe.name = `${name} (last error: ${error instanceof Error ? error.message : String(error)})`;
        return false;
      }
    },
  };
  return probe;
}
