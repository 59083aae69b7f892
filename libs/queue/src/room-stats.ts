import type { OutcomeLabel } from '@sqlfleet/contracts';
import type { ChainableCommander, Redis } from 'ioredis';
import type { FleetKeys } from './keys.ts';
import { bucketOf, LATENCY_BOUNDS_MS, quantileOf } from './latency-histogram.ts';
import { NO_ROOM } from './mailbox.ts';

/**
 * What proctors watch, kept in Redis rather than in any one process so that every API replica
 * shows the same figures: per room and for the whole fleet, ten-second buckets of finished
 * queries (outcomes, wait and run histograms) for the last 15 minutes, the queries running now,
 * and the sessions used recently. Workers write with the same pipeline as the audit entry, so
 * recording costs them no extra round trip.
 */
export const BUCKET_MS = 10_000;
export const WINDOW_BUCKETS = 90;
const MINUTE_BUCKETS = 6;
const FLEET = 'fleet';
const scopeOf = (room: string) => `r:${room}`;

export interface FinishedQuery {
  room?: string;
  sessionId: string;
  outcome: OutcomeLabel;
  waitMs: number;
  runMs: number;
  at: number;
}

export interface RunningQuery {
  jobId: string;
  room?: string;
  /** When it counts as lost (its worker died) if still running: its time limit and a margin from its start. */
  staleAt: number;
}

export interface Percentiles {
  p50: number | null;
  p95: number | null;
}

/** Figures of one room, or of the fleet. */
export interface ScopeFigures {
  running: number;
  /** Sessions that ran a query within the session TTL. */
  sessions: number;
  lastMinute: {
    queries: number;
    waitMs: Percentiles;
    runMs: Percentiles;
    /** `ok`, `truncated`, `sql-error`, `timeout`, `failed:<code>`, `refused:<code>` → count. */
    outcomes: Record<string, number>;
  };
  /** One point per ten seconds, oldest first. */
  series: { at: number[]; answered: number[]; errors: number[]; waitP95: (number | null)[]; runP95: (number | null)[] };
}

export interface RoomStatsOptions {
  /** Sessions idle longer than this no longer count as live (the reaper's TTL). */
  sessionTtlMs: number;
  now?: () => number;
}

const outcomeField = ({ kind, code }: OutcomeLabel) =>
  kind === 'failed' || kind === 'refused' ? `o:${kind}:${code}` : `o:${kind}`;

export class RoomStats {
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly options: RoomStatsOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Queries a worker took: each counts as running until finished, or until its `staleAt` if its worker died.
   * One ZADD per room; the key lives as long as its latest member might (NX sets a first expiry, GT only
   * extends it).
   */
  addRunning(pipeline: ChainableCommander, queries: readonly RunningQuery[]): void {
    for (const [room, group] of byRoom(queries)) {
      const key = this.keys.running(room);
      const latest = Math.max(...group.map((q) => q.staleAt));
      pipeline.zadd(key, ...group.flatMap((q) => [q.staleAt, q.jobId]));
      pipeline.pexpireat(key, latest, 'NX');
      pipeline.pexpireat(key, latest, 'GT');
    }
  }

  /** Queries that stopped running, finished or not (a retried one goes back to the queue): one ZREM per room. */
  addStopped(pipeline: ChainableCommander, queries: readonly { jobId: string; room?: string }[]): void {
    for (const [room, group] of byRoom(queries)) {
      pipeline.zrem(this.keys.running(room), ...group.map((q) => q.jobId));
    }
  }

  /**
   * Finished queries into the rooms' and the fleet's ten-second buckets, counted together: one HINCRBY
   * per bucket and field, however many queries the batch holds.
   */
  addFinished(pipeline: ChainableCommander, queries: readonly FinishedQuery[]): void {
    const roomsAt = new Map<string, number>();
    const buckets = new Map<string, Map<string, number>>();
    const count = (key: string, field: string) => {
      const fields = buckets.get(key) ?? new Map<string, number>();
      fields.set(field, (fields.get(field) ?? 0) + 1);
      buckets.set(key, fields);
    };
    for (const query of queries) {
      const room = query.room ?? NO_ROOM;
      roomsAt.set(room, Math.max(roomsAt.get(room) ?? 0, query.at));
      for (const scope of [FLEET, scopeOf(room)]) {
        const key = this.keys.statsBucket(scope, Math.floor(query.at / BUCKET_MS));
        count(key, outcomeField(query.outcome));
        if (query.outcome.kind !== 'refused') {
          count(key, `w:${bucketOf(query.waitMs)}`);
          count(key, `r:${bucketOf(query.runMs)}`);
        }
      }
    }
    if (roomsAt.size > 0) pipeline.zadd(this.keys.rooms, ...[...roomsAt].flatMap(([room, at]) => [at, room]));
    for (const [room, group] of byRoom(queries)) {
      const key = this.keys.roomSessions(room);
      pipeline.zadd(key, ...group.flatMap((q) => [q.at, q.sessionId]));
      pipeline.pexpire(key, this.options.sessionTtlMs);
    }
    for (const [key, fields] of buckets) {
      for (const [field, n] of fields) pipeline.hincrby(key, field, n);
      pipeline.pexpire(key, (WINDOW_BUCKETS + 6) * BUCKET_MS);
    }
  }

  /** A query the API refused (rate limit, full queue, bad input) still shows on the room's dashboard. */
  async refused(room: string | undefined, code: string): Promise<void> {
    const at = this.now();
    const pipeline = this.redis.multi();
    pipeline.zadd(this.keys.rooms, at, room ?? NO_ROOM);
    for (const scope of [FLEET, scopeOf(room ?? NO_ROOM)]) {
      const key = this.keys.statsBucket(scope, Math.floor(at / BUCKET_MS));
      pipeline.hincrby(key, outcomeField({ kind: 'refused', code }), 1);
      pipeline.pexpire(key, (WINDOW_BUCKETS + 6) * BUCKET_MS);
    }
    await pipeline.exec();
  }

  /** Rooms with activity within the last 15 minutes, most recent first. */
  async activeRooms(): Promise<string[]> {
    const since = this.now() - WINDOW_BUCKETS * BUCKET_MS;
    await this.redis.zremrangebyscore(this.keys.rooms, '-inf', `(${since}`);
    return this.redis.zrevrange(this.keys.rooms, 0, 999);
  }

  /** Figures of each room asked for, and of the fleet when `fleet` is true, read in one round trip. */
  async read(
    rooms: readonly string[],
    fleet: boolean,
  ): Promise<{ fleet?: ScopeFigures; rooms: Record<string, ScopeFigures> }> {
    const now = this.now();
    const last = Math.floor(now / BUCKET_MS);
    const buckets = Array.from({ length: WINDOW_BUCKETS }, (_, i) => last - WINDOW_BUCKETS + 1 + i);
    const scopes = [...(fleet ? [FLEET] : []), ...rooms.map(scopeOf)];
    const pipeline = this.redis.pipeline();
    for (const scope of scopes) for (const bucket of buckets) pipeline.hgetall(this.keys.statsBucket(scope, bucket));
    for (const room of rooms) {
      pipeline.zremrangebyscore(this.keys.running(room), '-inf', `(${now}`);
      pipeline.zcard(this.keys.running(room));
      pipeline.zcount(this.keys.roomSessions(room), now - this.options.sessionTtlMs, '+inf');
    }
    const replies = ((await pipeline.exec()) ?? []).map(([error, value]) => {
      if (error) throw error;
      return value;
    });
    const hashes = replies.slice(0, scopes.length * buckets.length) as Record<string, string>[];
    const live = replies.slice(scopes.length * buckets.length) as number[];
    const figuresAt = (index: number) =>
      summarise(buckets, hashes.slice(index * buckets.length, (index + 1) * buckets.length));
    const result: { fleet?: ScopeFigures; rooms: Record<string, ScopeFigures> } = { rooms: {} };
    const offset = fleet ? 1 : 0;
    if (fleet) result.fleet = { ...figuresAt(0), running: 0, sessions: 0 };
    rooms.forEach((room, i) => {
      result.rooms[room] = { ...figuresAt(i + offset), running: live[i * 3 + 1] ?? 0, sessions: live[i * 3 + 2] ?? 0 };
    });
    return result;
  }
}

function summarise(buckets: number[], hashes: Record<string, string>[]): Omit<ScopeFigures, 'running' | 'sessions'> {
  const histogram = (hash: Record<string, string>, prefix: string) =>
    Array.from({ length: LATENCY_BOUNDS_MS.length + 1 }, (_, i) => Number(hash[`${prefix}:${i}`] ?? 0));
  const sum = (a: number[], b: number[]) => a.map((n, i) => n + (b[i] ?? 0));
  const series: ScopeFigures['series'] = { at: [], answered: [], errors: [], waitP95: [], runP95: [] };
  let wait = histogram({}, 'w');
  let run = histogram({}, 'r');
  const outcomes: Record<string, number> = {};
  let queries = 0;
  hashes.forEach((hash, i) => {
    let answered = 0;
    let errors = 0;
    const inLastMinute = i >= hashes.length - MINUTE_BUCKETS;
    for (const [field, value] of Object.entries(hash)) {
      if (!field.startsWith('o:')) continue;
      const outcome = field.slice(2);
      const count = Number(value);
      if (outcome === 'ok' || outcome === 'truncated') answered += count;
      else errors += count;
      if (inLastMinute) {
        outcomes[outcome] = (outcomes[outcome] ?? 0) + count;
        queries += count;
      }
    }
    const bucketWait = histogram(hash, 'w');
    const bucketRun = histogram(hash, 'r');
    if (inLastMinute) {
      wait = sum(wait, bucketWait);
      run = sum(run, bucketRun);
    }
    series.at.push((buckets[i] ?? 0) * BUCKET_MS);
    series.answered.push(answered);
    series.errors.push(errors);
    series.waitP95.push(quantileOf(bucketWait, 0.95) ?? null);
    series.runP95.push(quantileOf(bucketRun, 0.95) ?? null);
  });
  const percentiles = (counts: number[]): Percentiles => ({
    p50: quantileOf(counts, 0.5) ?? null,
    p95: quantileOf(counts, 0.95) ?? null,
  });
  return { lastMinute: { queries, waitMs: percentiles(wait), runMs: percentiles(run), outcomes }, series };
}

/** Groups by room (`NO_ROOM` for queries without one), keeping each group in order. */
function byRoom<T extends { room?: string }>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const room = item.room ?? NO_ROOM;
    const group = groups.get(room) ?? [];
    group.push(item);
    groups.set(room, group);
  }
  return groups;
}
