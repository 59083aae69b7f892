import { AppError } from '@sqlfleet/core';
import { LRUCache } from 'lru-cache';

export interface ConnectionBudgetOptions<C> {
  /** Connections held at once (opening, in use, idle or closing), whatever the number of targets. */
  limit: number;
  /** How long `acquire` waits for a connection before CONNECTIONS_EXHAUSTED. */
  waitMs: number;
  /** An idle connection is closed after this. */
  idleMs: number;
  /** Ends a connection; resolves once it is closed, so its slot on the server is free again. */
  close(conn: C): Promise<void>;
  /** False for a connection the server has ended while it sat idle: it is closed instead of handed out. */
  alive(conn: C): boolean;
}

type Grant<C> = { conn: C } | { slot: true };

interface Waiter<C> {
  key: string;
  grant(grant: Grant<C>): void;
}

/**
 * Bounds the connections one engine holds on its server across all of its targets (sandboxes).
 * Idle connections are kept per target and the least recently used target's close first when
 * another target needs one; when every connection is in use, callers wait their turn (first come,
 * first served) for at most `waitMs`. A connection given back while others wait goes straight to a
 * waiter of the same target, else it is closed so that a waiter can open its own.
 */
export class ConnectionBudget<C> {
  /** Slots taken: connections opening, in use, idle, or still closing. */
  private held = 0;
  private readonly idle: LRUCache<string, C[]>;
  private readonly waiters: Waiter<C>[] = [];
  private closed = false;

  constructor(private readonly options: ConnectionBudgetOptions<C>) {
    if (!(options.limit >= 1))
      throw new Error(`a connection budget needs at least 1 connection (got ${options.limit})`);
    this.idle = new LRUCache<string, C[]>({
      // Each idle target holds at least one connection, so there are never more targets than the limit.
      max: options.limit,
      ttl: options.idleMs,
      ttlAutopurge: true,
      updateAgeOnGet: false,
      dispose: (conns) => {
        for (const conn of conns.splice(0)) void this.retire(conn);
      },
    });
  }

  /** Connections held right now (for metrics and tests). */
  get size(): number {
    return this.held;
  }

  /** Callers waiting for a connection now (for metrics). */
  get queued(): number {
    return this.waiters.length;
  }

  /**
   * A connection to the target `key`: an idle one of its own, a new one within the budget, or, once
   * the budget is spent, the next one freed. `open` makes a new connection (its failure frees the slot).
   */
  async acquire(key: string, open: () => Promise<C>): Promise<C> {
    if (this.closed) throw new Error('the connection budget is closed');
    const reused = this.takeIdle(key);
    if (reused) return reused;
    if (this.waiters.length === 0 && this.held < this.options.limit) {
      this.held += 1;
      return this.openIn(open);
    }
    const grant = await this.wait(key);
    return 'conn' in grant ? grant.conn : this.openIn(open);
  }

  /** Gives a connection back: kept idle for its target, or closed when `discard` (or when it died). */
  release(key: string, conn: C, discard = false): void {
    if (discard || this.closed || !this.options.alive(conn)) {
      void this.retire(conn);
      return;
    }
    const sameTarget = this.waiters.findIndex((w) => w.key === key);
    if (sameTarget !== -1) {
      this.waiters.splice(sameTarget, 1)[0]?.grant({ conn });
      return;
    }
    if (this.waiters.length > 0) {
      // Another target is waiting for a slot: this connection makes room for it.
      void this.retire(conn);
      return;
    }
    this.keepIdle(key, conn, this.options.idleMs);
  }

  /**
   * Opens a connection to the target ahead of its first use and keeps it idle for `keepMs` (instead of the
   * budget's idle time), only into a free slot: false, and nothing opened, when the budget is spent or
   * someone waits. The least recently used idle target still closes first when another target needs a slot.
   */
  async prepare(key: string, open: () => Promise<C>, keepMs: number): Promise<boolean> {
    if (this.closed || this.waiters.length > 0 || this.held >= this.options.limit) return false;
    this.held += 1;
    const conn = await this.openIn(open);
    if (this.closed || this.waiters.length > 0 || !this.options.alive(conn)) {
      this.release(key, conn);
      return false;
    }
    this.keepIdle(key, conn, Math.max(keepMs, this.options.idleMs));
    return true;
  }

  private keepIdle(key: string, conn: C, ttl: number): void {
    const conns = this.idle.get(key) ?? [];
    conns.push(conn);
    // Setting the same array again restarts its idle clock without disposing it.
    this.idle.set(key, conns, { ttl });
  }

  /** Closes the target's idle connections (its sandbox is going away, or its password changed). */
  async forget(key: string): Promise<void> {
    const conns = this.idle.get(key)?.splice(0) ?? [];
    this.idle.delete(key);
    await Promise.all(conns.map((conn) => this.retire(conn)));
  }

  /** Closes every idle connection and refuses waiters; connections in use close when given back. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter.grant({ slot: true });
    const conns = [...this.idle.values()].flatMap((list) => list.splice(0));
    this.idle.clear();
    await Promise.all(conns.map((conn) => this.retire(conn)));
  }

  private takeIdle(key: string): C | undefined {
    const conns = this.idle.get(key);
    if (!conns) return undefined;
    let found: C | undefined;
    while (!found && conns.length > 0) {
      const conn = conns.pop() as C;
      if (this.options.alive(conn)) found = conn;
      else void this.retire(conn);
    }
    // The array is empty once its last connection is taken: deleting it then closes nothing.
    if (conns.length === 0) this.idle.delete(key);
    return found;
  }

  private async openIn(open: () => Promise<C>): Promise<C> {
    if (this.closed) {
      this.freeSlot();
      throw new Error('the connection budget is closed');
    }
    try {
      return await open();
    } catch (error) {
      this.freeSlot();
      throw error;
    }
  }

  private wait(key: string): Promise<Grant<C>> {
    return new Promise<Grant<C>>((resolve, reject) => {
      const timer = setTimeout(() => {
        const at = this.waiters.indexOf(waiter);
        if (at !== -1) this.waiters.splice(at, 1);
        reject(
          new AppError(
            'CONNECTIONS_EXHAUSTED',
            `All ${this.options.limit} connections of the budget stayed busy for ${this.options.waitMs} ms`,
          ),
        );
      }, this.options.waitMs);
      const waiter: Waiter<C> = {
        key,
        grant: (grant) => {
          clearTimeout(timer);
          resolve(grant);
        },
      };
      this.waiters.push(waiter);
      // The least recently used idle target makes room; its slot goes to the first waiter once closed.
      this.idle.pop();
    });
  }

  /** Closes a connection; its slot is free (for the first waiter, if any) once the close is done. */
  private retire(conn: C): Promise<void> {
    return this.options
      .close(conn)
      .catch(() => undefined)
      .then(() => this.freeSlot());
  }

  private freeSlot(): void {
    const next = this.waiters.shift();
    if (next) next.grant({ slot: true });
    else this.held -= 1;
  }
}
