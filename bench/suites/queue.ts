/**
 * c. The queue layer alone, against the real Redis: Mailbox.enqueue plus drain workers that
 * run nothing (begin, then complete-and-take-next). Same shape as FIELD-NOTES' ordering experiment:
 * 20 sessions × 50 items, 2 workers × concurrency 25, in this one process.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createLogger } from '@sqlfleet/core';
import {
  closeRedis,
  connectRedis,
  type DrainJobData,
  DrainQueues,
  FleetKeys,
  Mailbox,
  type MailboxItem,
  type NewJob,
} from '@sqlfleet/queue';
import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ownRss } from '../rss.ts';
import { since, summarize } from '../stats.ts';
import type { Row } from '../table.ts';

export const QUEUE = { sessions: 20, perSession: 50, workers: 2, concurrency: 25, rounds: 5 };

const REDIS = { kind: 'url', url: 'redis://127.0.0.1:6379' } as const;

interface Round {
  wallMs: number;
  enqueueMs: number[];
  /** Enqueue called → item popped by a drain, per item. */
  drainedMs: number[];
  overlaps: number;
  outOfOrder: number;
}

export async function benchQueue(): Promise<Row[]> {
  // A fleet id of its own (letters and digits, as FLEET_ID requires): keys never meet a real fleet's.
  const keys = new FleetKeys(`b${randomBytes(5).toString('hex')}`);
  const logger = createLogger({ name: 'bench', level: 'warn' });
  const redis = connectRedis(REDIS, logger);
  const queues = new DrainQueues(redis, keys);
  const mailbox = new Mailbox(redis, keys, queues, {
    resultTtlMs: 60_000,
    leaseMs: 60_000,
    roomConcurrency: 0,
    roomPriority: 100,
  });
  const drain = new NoopDrain(mailbox);
  // BullMQ does not close a connection it was handed, so the bench keeps them to close them.
  const workerConnections = Array.from({ length: QUEUE.workers }, () => connectRedis(REDIS, logger));
  const workers = workerConnections.map(
    (connection) =>
      new Worker<DrainJobData>(keys.drainQueueFor('postgres'), drain.process, {
        connection,
        prefix: 'bull',
        concurrency: QUEUE.concurrency,
      }),
  );
  try {
    await Promise.all(workers.map((w) => w.waitUntilReady()));
    // Warm-up at full size: connections, Lua scripts loaded, JIT warm.
    await runRound(redis, keys, mailbox, drain, QUEUE.sessions, QUEUE.perSession);
    const rounds: Round[] = [];
    for (let i = 0; i < QUEUE.rounds; i++)
      rounds.push(await runRound(redis, keys, mailbox, drain, QUEUE.sessions, QUEUE.perSession));

    const items = QUEUE.sessions * QUEUE.perSession;
    const wallMs = rounds.reduce((sum, r) => sum + r.wallMs, 0);
    const overlaps = rounds.reduce((sum, r) => sum + r.overlaps, 0);
    const outOfOrder = rounds.reduce((sum, r) => sum + r.outOfOrder, 0);
    const shape = `${QUEUE.sessions} sessions × ${QUEUE.perSession}, ${QUEUE.workers} workers × ${QUEUE.concurrency}`;
    const perRound = rounds.map((r) => ((items / r.wallMs) * 1000).toFixed(0)).join(' / ');
    return [
      {
        suite: 'queue',
        case: 'Mailbox.enqueue call',
        summary: summarize(
          rounds.flatMap((r) => r.enqueueMs),
          wallMs,
        ),
        note: `${QUEUE.sessions} sessions enqueueing at once`,
      },
      {
        suite: 'queue',
        case: `enqueue → drained (no-op), ${shape}`,
        summary: summarize(
          rounds.flatMap((r) => r.drainedMs),
          wallMs,
        ),
        rssMiB: { bench: ownRss() },
        note: `jobs/s per round ${perRound}; overlaps ${overlaps}, out of order ${outOfOrder}`,
      },
    ];
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await Promise.all(workerConnections.map(closeRedis));
    for (const [, queue] of queues.entries()) await queue.obliterate({ force: true }).catch(() => undefined);
    await queues.close();
    await removeKeys(redis, keys.fleetId);
    await closeRedis(redis);
  }
}

/** What a submission must pass: nothing this bench could reach. */
const CHECKS = { backlog: 1e9, pendingPerSession: 1e9, schemaTtlMs: 60_000 };

async function runRound(
  redis: Redis,
  keys: FleetKeys,
  mailbox: Mailbox,
  drain: NoopDrain,
  sessions: number,
  perSession: number,
): Promise<Round> {
  const prefix = randomBytes(4).toString('hex');
  // The sessions exist (as the API would have made them) before the clock starts.
  await redis.set(keys.schema('bench'), '{}');
  for (let s = 0; s < sessions; s++) {
    await redis.hset(keys.session(`bench-${prefix}${s}`), { engine: 'postgres', fingerprint: 'bench' });
  }
  const total = sessions * perSession;
  const round = drain.begin(total);
  const enqueueMs: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: sessions }, async (_, s) => {
      for (let i = 0; i < perSession; i++) {
        const job = fakeJob(`${prefix}${s}`, i);
        const t = performance.now();
        round.calledAt.set(job.jobId, t);
        await mailbox.enqueue(job, CHECKS);
        enqueueMs.push(since(t));
      }
    }),
  );
  await round.done;
  return {
    wallMs: since(started),
    enqueueMs,
    drainedMs: round.drainedMs,
    overlaps: round.overlaps,
    outOfOrder: round.outOfOrder,
  };
}

function fakeJob(sessionId: string, index: number): NewJob {
  return {
    jobId: randomUUID(),
    // The index rides in the query text so the drain can check submission order.
    sessionId: `bench-${sessionId}`,
    engine: 'postgres',
    query: String(index),
    limits: { timeoutMs: 5_000, maxRows: 10_000, maxBytes: 8 * 1024 * 1024 },
    submittedAt: Date.now(),
  };
}

interface RoundState {
  calledAt: Map<string, number>;
  drainedMs: number[];
  overlaps: number;
  outOfOrder: number;
  done: Promise<void>;
}

/** A drain processor that runs nothing: it checks order and overlap, and times each item. */
class NoopDrain {
  private round: (RoundState & { left: number; finish: () => void }) | undefined;
  private readonly running = new Set<string>();
  private readonly lastIndex = new Map<string, number>();

  begin(items: number): RoundState {
    let finish = () => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    this.round = { calledAt: new Map(), drainedMs: [], overlaps: 0, outOfOrder: 0, done, left: items, finish };
    return this.round;
  }

  constructor(private readonly mailbox: Mailbox) {}

  readonly process = async (job: Job<DrainJobData>): Promise<void> => {
    const { sessionId } = job.data;
    const owner = job.id ?? sessionId;
    const start = await this.mailbox.begin(sessionId, owner);
    if (start.kind !== 'item') return;
    for (let item: MailboxItem | undefined = start.item; item; ) {
      this.check(item);
      const { next } = await this.mailbox.complete(item, start.room, { state: 'done', payload: '{}' }, owner);
      this.running.delete(sessionId);
      this.record(item);
      item = next;
    }
  };

  private check({ job }: MailboxItem): void {
    const round = this.round;
    if (!round) return;
    if (this.running.has(job.sessionId)) round.overlaps++;
    this.running.add(job.sessionId);
    const index = Number(job.query);
    if (index !== (this.lastIndex.get(job.sessionId) ?? -1) + 1) round.outOfOrder++;
    this.lastIndex.set(job.sessionId, index);
  }

  private record({ job }: MailboxItem): void {
    const round = this.round;
    const calledAt = round?.calledAt.get(job.jobId);
    if (!round || calledAt === undefined) return;
    round.drainedMs.push(since(calledAt));
    if (--round.left === 0) round.finish();
  }
}

async function removeKeys(redis: Redis, fleetId: string): Promise<void> {
  for (const pattern of [`${fleetId}:*`, `bull:${fleetId}-*`]) {
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (found.length > 0) await redis.del(...found);
    } while (cursor !== '0');
  }
}
