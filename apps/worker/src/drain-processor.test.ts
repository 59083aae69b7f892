import type { QueryJob, QueryResult } from '@sqlfleet/contracts';
import { AppError } from '@sqlfleet/core';
import type { DrainJobData, Mailbox, TakenItem } from '@sqlfleet/queue';
import type { Job } from 'bullmq';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DrainProcessor } from './drain-processor.ts';
import type { QueryObserver } from './query-observer.ts';
import type { QueryRunner } from './query-runner.ts';
import { RetryPolicy } from './retry-policy.ts';

const SESSION = 's1';

function query(n: number): QueryJob {
  return {
    jobId: `j${n}`,
    sessionId: SESSION,
    engine: 'postgres',
    query: `INSERT INTO w VALUES (${n})`,
    fingerprint: 'f',
    limits: { timeoutMs: 5_000, maxRows: 100, maxBytes: 1_000 },
    submittedAt: Date.now(),
  };
}

const item = (job: QueryJob): TakenItem => ({ job, raw: JSON.stringify(job), crashes: 0 });

/** A session's mailbox in memory: what the drain stored for each query, and whether it gave the session up. */
function mailboxOf(jobs: QueryJob[]) {
  const waiting = jobs.map(item);
  const stored: Record<string, { state: string; code?: string }> = {};
  const released: string[] = [];
  const mailbox = {
    begin: async () => {
      const head = waiting[0];
      return head ? { kind: 'item', room: '(none)', item: head } : { kind: 'empty' };
    },
    complete: async (done: TakenItem, _room: string, outcome?: { state: string; payload: string }) => {
      if (outcome) {
        const code = outcome.state === 'failed' ? (JSON.parse(outcome.payload) as { code: string }).code : undefined;
        stored[done.job.jobId] = { state: outcome.state, ...(code ? { code } : {}) };
      }
      waiting.shift();
      return { status: undefined, next: waiting[0], lost: false };
    },
    renew: async () => true,
    release: async (held: TakenItem) => {
      released.push(held.job.jobId);
      return waiting.length;
    },
    scheduleDrain: async () => undefined,
  };
  return { mailbox: mailbox as unknown as Mailbox, stored, released };
}

const observer = {
  started: () => undefined,
  finished: () => undefined,
  failed: () => undefined,
  retrying: () => undefined,
} as unknown as QueryObserver;

/** A drain job whose BullMQ attempts are used up: the query's retries must not depend on them. */
const drainJob = {
  data: { sessionId: SESSION },
  opts: { attempts: 4 },
  attemptsMade: 3,
} as unknown as Job<DrainJobData>;

function processor(mailbox: Mailbox, run: (job: QueryJob) => Promise<QueryResult>, retry: RetryPolicy) {
  return new DrainProcessor({
    mailbox,
    runner: { run } as unknown as QueryRunner,
    observer,
    maxCrashes: 3,
    retry,
    leaseMs: 30_000,
    logger: pino({ level: 'silent' }),
  });
}

const answer = (job: QueryJob) => ({ success: true, jobId: job.jobId }) as unknown as QueryResult;
/** Short pauses: what is asserted is the outcome, not the time it took. */
const quickRetries = (ceilingMs: number) => new RetryPolicy({ ceilingMs, firstDelayMs: 1, maxDelayMs: 5 });

describe('DrainProcessor: a query that cannot run for a passing reason', () => {
  it('is tried again for as long as the outage lasts, then answered, in order, whatever the drain job attempts left', async () => {
    const { mailbox, stored, released } = mailboxOf([query(1), query(2)]);
    let refusals = 0;
    const ran: string[] = [];
    const run = async (job: QueryJob) => {
      // The server refuses 30 tries in a row (far past BullMQ's 4 attempts and 3.5 s of backoff).
      if (job.jobId === 'j1' && refusals++ < 30) throw new AppError('SERVER_BUSY');
      ran.push(job.jobId);
      return answer(job);
    };
    await processor(mailbox, run, quickRetries(60_000)).process(drainJob, 'token');
    expect(stored).toEqual({ j1: { state: 'done' }, j2: { state: 'done' } });
    expect(ran).toEqual(['j1', 'j2']);
    expect(released).toEqual([]);
  });

  it('is failed with its code once it has failed for WORKER_RETRY_MS; the next query runs', async () => {
    const { mailbox, stored } = mailboxOf([query(1), query(2)]);
    const run = async (job: QueryJob) => {
      if (job.jobId === 'j1') throw new AppError('SERVER_BUSY');
      return answer(job);
    };
    await processor(mailbox, run, quickRetries(50)).process(drainJob, 'token');
    expect(stored).toEqual({ j1: { state: 'failed', code: 'SERVER_BUSY' }, j2: { state: 'done' } });
  });

  it('is failed at once when retrying cannot help', async () => {
    const { mailbox, stored } = mailboxOf([query(1)]);
    let tries = 0;
    const run = async () => {
      tries++;
      throw new AppError('SESSION_NOT_FOUND');
    };
    await processor(mailbox, run, quickRetries(60_000)).process(drainJob, 'token');
    expect({ stored, tries }).toEqual({ stored: { j1: { state: 'failed', code: 'SESSION_NOT_FOUND' } }, tries: 1 });
  });

  it('is handed back, not failed, when the worker stops while it waits', async () => {
    const { mailbox, stored, released } = mailboxOf([query(1)]);
    const drains = processor(
      mailbox,
      async () => {
        throw new AppError('SERVER_BUSY');
      },
      new RetryPolicy({ ceilingMs: 60_000, firstDelayMs: 60_000 }),
    );
    const processing = drains.process(drainJob, 'token');
    await new Promise((resolve) => setTimeout(resolve, 20));
    drains.stop();
    await expect(processing).rejects.toMatchObject({ code: 'SERVER_BUSY' });
    expect({ stored, released }).toEqual({ stored: {}, released: ['j1'] });
  });
});
