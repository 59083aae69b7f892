import type { EngineName } from '@sqlfleet/core';
import type { Redis } from 'ioredis';
import type { FleetKeys } from './keys.ts';

/** Scores are ((priority - 1) · 2 + needs a sandbox) · 2^31 + arrival (see SUBMIT). */
const PRIORITY_STEP = 2 ** 32;

const priorityOf = (score: string | number): number => Math.floor(Number(score) / PRIORITY_STEP) + 1;

/** A session taken from a home queue, to drain. */
export interface HomedSession {
  sessionId: string;
  priority: number;
}

/**
 * A worker's home queue of one engine: the sessions waiting for a drain on that worker, which ran them
 * last (their connection is open there) or was given them in turn (see SUBMIT). A plain sorted set, not a
 * BullMQ queue: SUBMIT adds a session in the same round trip that stores its query, and the worker pops it
 * with one blocking command, so a warm query's path holds no BullMQ job (issue 9 item 5; each job cost the
 * API an add and the worker a fetch and a finish, the heaviest scripts on the path).
 * A popped session is the worker's to drain: when the worker dies before its drain holds the session,
 * the session's queries wait for the sweep of dead homes (DrainHomes), which gives every mailbox with
 * queries a drain.
 */
export class HomeQueue {
  readonly key: string;

  constructor(
    private readonly redis: Redis,
    keys: FleetKeys,
    readonly engine: EngineName,
    readonly home: string,
  ) {
    this.key = keys.homeQueue(engine, home);
  }

  /**
   * The next session to drain (first priority, then those that have a sandbox, then first come), waiting up to `timeoutSeconds` for one;
   * undefined when none came. `blocking` is a connection of its own: the command holds it while it waits.
   */
  async take(blocking: Redis, timeoutSeconds: number): Promise<HomedSession | undefined> {
    const popped = await blocking.bzpopmin(this.key, timeoutSeconds);
    if (!popped) return undefined;
    const [, sessionId, score] = popped;
    return { sessionId, priority: priorityOf(score) };
  }

  /** Every session waiting, without taking them. */
  async waiting(): Promise<HomedSession[]> {
    const flat = await this.redis.zrange(this.key, 0, -1, 'WITHSCORES');
    const sessions: HomedSession[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      sessions.push({ sessionId: flat[i] as string, priority: priorityOf(flat[i + 1] as string) });
    }
    return sessions;
  }

  /** Forgets the sessions given (handed elsewhere). */
  async remove(sessions: readonly HomedSession[]): Promise<void> {
    if (sessions.length > 0) await this.redis.zrem(this.key, ...sessions.map((s) => s.sessionId));
  }
}
