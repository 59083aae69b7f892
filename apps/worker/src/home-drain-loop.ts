import { type Logger, RepeatFolder } from '@sqlfleet/core';
import type { HomedSession, HomeQueue } from '@sqlfleet/queue';
import type { Redis } from 'ioredis';

/** How long one wait for a session lasts: also how long stopping may wait for the loop. */
const TAKE_TIMEOUT_SECONDS = 1;
/** After Redis refused a take, the loop waits this long before it asks again. */
const TAKE_RETRY_MS = 500;

export interface HomeDrainLoopOptions {
  queue: HomeQueue;
  /** A connection of the loop's own: its blocking take holds it while it waits. */
  blocking: Redis;
  /** Drains run at once, at most (WORKER_CONCURRENCY, as each BullMQ queue's worker). */
  concurrency: number;
  drain: (sessionId: string, priority: number) => Promise<void>;
  /** Where a session taken while the loop stops goes instead (the shared queue). */
  handBack: (session: HomedSession) => Promise<void>;
  logger: Logger;
}

/**
 * Takes sessions from the worker's home queue of one engine and drains them, up to `concurrency` at once:
 * a free slot waits on the queue (one blocking command), so a session added by SUBMIT is running within a
 * round trip. Sessions beyond the slots wait in the queue, in priority order.
 */
export class HomeDrainLoop {
  private running = 0;
  private stopping = false;
  private slotFreed: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly drains = new Set<Promise<void>>();
  private readonly repeats: RepeatFolder;

  constructor(private readonly options: HomeDrainLoopOptions) {
    this.repeats = RepeatFolder.of(options.logger);
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Takes no more sessions and waits for the drains running (they stop after their query in hand). */
  async close(): Promise<void> {
    this.stopping = true;
    this.slotFreed?.();
    await this.loop;
    await Promise.all(this.drains);
  }

  private async run(): Promise<void> {
    const { queue, blocking, concurrency } = this.options;
    while (!this.stopping) {
      if (this.running >= concurrency) {
        await new Promise<void>((resolve) => {
          this.slotFreed = resolve;
        });
        continue;
      }
      let session: HomedSession | undefined;
      try {
        session = await queue.take(blocking, TAKE_TIMEOUT_SECONDS);
      } catch (error) {
        this.repeats.warn({ err: error, engine: queue.engine }, 'home queue not read');
        await new Promise((resolve) => setTimeout(resolve, TAKE_RETRY_MS));
        continue;
      }
      if (!session) continue;
      if (this.stopping) {
        await this.options.handBack(session).catch((error: unknown) => {
          // Its queries stay in its mailbox: the sweep of stranded mailboxes gives them a drain.
          this.repeats.warn(
            { err: error, sessionId: session.sessionId },
            'session taken while stopping not handed back',
          );
        });
        break;
      }
      this.launch(session);
    }
  }

  private launch({ sessionId, priority }: HomedSession): void {
    this.running++;
    const drain = this.options
      .drain(sessionId, priority)
      .catch((error: unknown) => this.repeats.warn({ err: error, sessionId }, 'home drain failed'))
      .finally(() => {
        this.running--;
        this.drains.delete(drain);
        const wake = this.slotFreed;
        this.slotFreed = undefined;
        wake?.();
      });
    this.drains.add(drain);
  }
}
