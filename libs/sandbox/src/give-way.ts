import { setTimeout as sleep } from 'node:timers/promises';

/** The longest background work gives way to students' queries before it goes ahead anyway. */
export const GIVE_WAY_MS = 10_000;
/** How often work that gives way looks at the query slots again. */
const GIVE_WAY_POLL_MS = 50;

/**
 * Waits while `saturated` says the worker's query slots are all taken (students' queries first), for at most
 * `maxMs` (so a fleet that stays saturated still does the work, slowly) or until `stopped` says to go.
 */
export async function giveWay(
  saturated: (() => boolean) | undefined,
  maxMs = GIVE_WAY_MS,
  stopped: () => boolean = () => false,
): Promise<void> {
  const until = Date.now() + maxMs;
  while (saturated?.() && !stopped() && Date.now() < until) await sleep(GIVE_WAY_POLL_MS);
}
