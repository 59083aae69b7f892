import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` until `done` holds or the time is up, and returns the last value either way:
 * the test's own assertion on it then says what was seen.
 */
export async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > giveUpAt) return value;
    await sleep(200);
  }
}
