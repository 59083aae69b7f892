import { type JobState, type JobStatus, type QueryJob, sessionRoom } from '@sqlfleet/contracts';
import type { Config, EngineName } from '@sqlfleet/core';
import type { Redis } from 'ioredis';
import type { DrainQueues } from './drain-queue.ts';
import { BEGIN, COMPLETE, RELEASE, RENEW } from './drain-scripts.ts';
import { statusOf } from './job-store.ts';
import type { FleetKeys } from './keys.ts';
import { SOCKET_STREAM_MAX_LEN } from './socket-stream.ts';
import { SUBMIT } from './submit-script.ts';
import { HEARTBEAT_STALE_MS } from './worker-heartbeats.ts';

/** Backlog counters use this name for jobs submitted without a room. */
export const NO_ROOM = '(none)';

export interface DrainJobData {
  sessionId: string;
}

export interface MailboxItem {
  job: QueryJob;
  /** The item exactly as stored, to pop it safely. */
  raw: string;
}

/** A head the drain has taken: running now, or already finished before a crash (`stored`). */
export interface TakenItem extends MailboxItem {
  stored?: JobStatus;
  /** Earlier runs of this query that never ended: their worker process died under them. */
  crashes: number;
}

export type DrainStart =
  | { kind: 'empty' }
  | { kind: 'defer'; room: string }
  /** Another drain holds the session for `ms` more (BullMQ handed a job on while its first worker still runs). */
  | { kind: 'held'; ms: number }
  | { kind: 'item'; room: string; item: TakenItem };

export interface MailboxOptions {
  /** How long stored results live. */
  resultTtlMs: number;
  /** A drain holds its session and room slot this long past its last step or heartbeat (a dead worker's are freed after it). */
  leaseMs: number;
  /** Drains a room may hold at once fleet-wide while other rooms have work (0: no cap); per-room overrides in Redis. */
  roomConcurrency: number;
  /** BullMQ priority of a drain when its room has none of its own (1 is served first). */
  roomPriority: number;
  /**
   * The worker whose drains this mailbox runs (a worker's; an API's has none): recorded as the home of
   * each session it runs, so that the session's next drain goes to this worker's own queue.
   */
  home?: string;
}

/** What a submission must pass, checked in the same round trip as the push. */
export interface EnqueueChecks {
  /** Counts this request against a client's window (undefined: counted elsewhere). */
  rate?: { key: string; limit: number; windowMs: number };
  backlog: number;
  pendingPerSession: number;
  schemaTtlMs: number;
  /** Creates the job's session in the same step (its stored fields, by the session store), within the client's ceiling. */
  newSession?: { clientId: string; fields: Readonly<Record<string, string>>; perClient: number };
}

export type EnqueueRefusal =
  | 'RATE_LIMITED'
  | 'QUEUE_FULL'
  | 'SESSION_NOT_FOUND'
  | 'SESSION_ENGINE_MISMATCH'
  | 'SESSION_BUSY'
  | 'SCHEMA_MISSING'
  | 'REQUEST_ID_TAKEN'
  | 'TOO_MANY_SESSIONS';

/** `fingerprint` and `room` may be left out: the session's own are used. */
export type NewJob = Omit<QueryJob, 'fingerprint'> & { fingerprint?: string };

export type EnqueueResult =
  | { accepted: true; job: QueryJob }
  | { accepted: false; refusal: EnqueueRefusal; detail: string };

/** Largest result announced inline on the results channel (bigger ones are read from the job store). */
const INLINE_RESULT_BYTES = 64 * 1024;

/**
 * One session's queries in submission order: a Redis list per session, plus one deduplicated
 * BullMQ "drain" job per session that a worker takes to run the list head by head.
 * This keeps a session's queries in order and never two at a time, while sessions run in
 * parallel across every worker (FIELD-NOTES measured it: 0 overlaps, 0 out of order).
 * While a worker drains a session it holds a "draining" flag: a query pushed meanwhile needs no
 * drain job, the running drain takes it in the same step that finishes the previous one.
 */
export class Mailbox {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly drainQueues: DrainQueues,
    private readonly options: MailboxOptions,
  ) {}

  /** The worker whose drains this mailbox runs (see MailboxOptions). */
  get home(): string | undefined {
    return this.options.home;
  }

  /**
   * Accepts a query for an existing session, or for a new one it creates (`checks.newSession`), and makes sure
   * a drain will run it (see SUBMIT for what is checked).
   */
  async enqueue(job: NewJob, checks: EnqueueChecks, now = Date.now()): Promise<EnqueueResult> {
    const { keys } = this;
    const room = job.room ?? '';
    const rate = checks.rate ?? { key: keys.rate('-', 0), limit: 0, windowMs: 0 };
    const { newSession } = checks;
    const reply = (await SUBMIT.run(
      this.redis,
      [
        keys.session(job.sessionId),
        keys.mailbox(job.sessionId),
        keys.job(job.jobId),
        keys.backlogByRoom,
        keys.backlogByEngine,
        keys.sessionsByLastUse,
        keys.draining(job.sessionId),
        rate.key,
        keys.roomPriority,
        keys.workerHeartbeats,
        keys.homeTurn,
        keys.homeQueueSeq,
        keys.clientSessions(newSession?.clientId ?? '-'),
      ],
      [
        job.sessionId,
        job.engine,
        JSON.stringify({ ...job, fingerprint: undefined, room: undefined }),
        job.fingerprint ?? '',
        room,
        rate.limit,
        rate.windowMs,
        checks.backlog,
        checks.pendingPerSession,
        keys.schema(''),
        checks.schemaTtlMs,
        this.options.resultTtlMs,
        now,
        this.options.roomPriority,
        NO_ROOM,
        HEARTBEAT_STALE_MS,
        keys.homeQueuePrefix,
        newSession ? JSON.stringify(newSession.fields) : '',
        newSession?.perClient ?? 0,
      ],
    )) as [string, number | string, number?, string?];
    // The same request id again (a client retrying after an answer it never got): already accepted.
    if (reply[0] === 'DUPLICATE') return { accepted: true, job: { ...job, fingerprint: job.fingerprint ?? '' } };
    if (reply[0] !== 'ok') return { accepted: false, refusal: reply[0] as EnqueueRefusal, detail: String(reply[1]) };
    const [, needsDrain, priority, raw] = reply;
    // The query is stored (and, with a live worker, in its home queue): from here on it is accepted. A
    // drain that cannot be scheduled now (Redis went away between the two calls) is scheduled by
    // `resumeStranded` when the workers reconnect; refusing here would make the client send again a
    // query that will run anyway.
    if (needsDrain === 1) {
      await this.scheduleDrain(job.sessionId, job.engine, priority).catch(() => undefined);
    }
    return { accepted: true, job: JSON.parse(raw ?? '{}') as QueryJob };
  }

  /**
   * Makes sure a drain job will look at this session. While one is active, `keepLastIfActive`
   * queues exactly one follow-up, so an item pushed just as a drain finishes is never stranded.
   * Every drain has a priority (BullMQ takes un-prioritised jobs before all prioritised ones). It goes
   * to the queue of the session's engine, which only workers serving that engine read; with `home`, to
   * that worker's BullMQ queue of the engine (see DrainHomes), for a drain that must wait `delayMs` first.
   */
  async scheduleDrain(
    sessionId: string,
    engine: EngineName,
    priority = this.options.roomPriority,
    home?: string,
    delayMs = 0,
  ): Promise<void> {
    await this.drainQueues.for(engine, home).add(
      'drain',
      { sessionId },
      {
        deduplication: { id: sessionId, keepLastIfActive: true },
        priority: Math.max(1, priority),
        ...(delayMs > 0 ? { delay: delayMs } : {}),
        // For the drain's own steps in Redis (a query that cannot run is retried by the worker, by time: WORKER_RETRY_MS).
        attempts: 4,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: true,
        removeOnFail: 1000,
      },
    );
  }

  /**
   * Schedules a drain for every session with queries waiting (deduplicated, so harmless for a session
   * that has one): after an outage, a query stored just before Redis went away may have no drain.
   * Returns how many sessions it looked at.
   */
  async resumeStranded(): Promise<number> {
    const prefix = this.keys.mailbox('');
    let cursor = '0';
    let sessions = 0;
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      for (const key of found) {
        const head = await this.redis.lindex(key, 0);
        if (!head) continue;
        await this.scheduleDrain(key.slice(prefix.length), (JSON.parse(head) as QueryJob).engine);
        sessions++;
      }
    } while (cursor !== '0');
    return sessions;
  }

  /** Queries of the session not finished yet (the one running included). */
  pending(sessionId: string): Promise<number> {
    return this.redis.llen(this.keys.mailbox(sessionId));
  }

  /**
   * Takes the session's head to run it (see BEGIN): the drain, known by its `owner` token, owns the
   * session until it completes or releases it, or its lease runs out without a `renew`.
   */
  async begin(sessionId: string, owner: string, now = Date.now()): Promise<DrainStart> {
    const reply = (await BEGIN.run(
      this.redis,
      this.drainKeys(sessionId),
      this.drainArgs(sessionId, owner, now),
    )) as string[];
    if (reply[0] === 'empty') return { kind: 'empty' };
    if (reply[0] === 'held') return { kind: 'held', ms: Math.max(0, Number(reply[1])) };
    if (reply[0] === 'defer') return { kind: 'defer', room: reply[1] ?? NO_ROOM };
    const [, room = NO_ROOM, raw = '', state = 'running', payload = '', crashes = 0] = reply;
    return { kind: 'item', room, item: taken(raw, state as JobState, payload, Number(crashes)) };
  }

  /**
   * Stores the outcome of the item that ran (the first stored one wins; undefined stores nothing,
   * for an item found finished), announces the stored status (results channel and the session's
   * sockets), pops the item and takes the next.
   * `lost`: another drain holds the session now; this one stored its outcome and must stop.
   */
  async complete(
    item: MailboxItem,
    room: string,
    outcome: { state: 'done' | 'failed'; payload: string } | undefined,
    owner: string,
    now = Date.now(),
  ): Promise<{ status: JobStatus | undefined; next: TakenItem | undefined; lost: boolean }> {
    const { keys } = this;
    const { sessionId } = item.job;
    const reply = (await COMPLETE.run(
      this.redis,
      [...this.drainKeys(sessionId), keys.session(sessionId), keys.sessionsByLastUse, keys.socketStream],
      [
        ...this.drainArgs(sessionId, owner, now),
        item.raw,
        outcome?.state ?? '',
        outcome?.payload ?? '',
        this.options.resultTtlMs,
        INLINE_RESULT_BYTES,
        keys.resultsChannel,
        room,
        this.options.home ?? '',
        SOCKET_STREAM_MAX_LEN,
        sessionRoom(sessionId),
      ],
    )) as (string | number)[];
    const [state = '', payload = '', nextRaw, nextState = 'running', nextPayload = '', nextCrashes = 0, lost] =
      reply.map(String);
    const status = state === '' ? undefined : statusOf(item.job.jobId, sessionId, state as JobState, payload);
    const next = nextRaw ? taken(nextRaw, nextState as JobState, nextPayload, Number(nextCrashes)) : undefined;
    return { status, next, lost: lost === 'lost' };
  }

  /** The drain's heartbeat: extends its lease while a query runs; false once another drain holds the session. */
  async renew(sessionId: string, engine: EngineName, room: string, owner: string, now = Date.now()): Promise<boolean> {
    const { keys, options } = this;
    const held = await RENEW.run(
      this.redis,
      [keys.draining(sessionId), keys.roomActive(room), keys.drainsActive(engine)],
      [sessionId, owner, now, options.leaseMs],
    );
    return held === 1;
  }

  /** Gives the session up mid-drain, with `item` in hand but not finished; returns how many queries still wait. */
  async release(item: MailboxItem, room: string, owner: string): Promise<number> {
    const { keys } = this;
    const { sessionId, jobId, engine } = item.job;
    return (await RELEASE.run(
      this.redis,
      [
        keys.mailbox(sessionId),
        keys.draining(sessionId),
        keys.roomActive(room),
        keys.runs(jobId),
        keys.drainsActive(engine),
      ],
      [sessionId, owner],
    )) as number;
  }

  /** Drops every waiting query of a session (it is being destroyed); returns the dropped jobs. */
  async clear(sessionId: string): Promise<QueryJob[]> {
    const key = this.keys.mailbox(sessionId);
    const [[, raws]] = (await this.redis.multi().lrange(key, 0, -1).del(key).exec()) as [[unknown, string[]]];
    const jobs = raws.map((raw) => JSON.parse(raw) as QueryJob);
    if (jobs.length > 0) {
      const tx = this.redis.multi();
      for (const job of jobs) {
        tx.hincrby(this.keys.backlogByRoom, job.room ?? NO_ROOM, -1).hincrby(this.keys.backlogByEngine, job.engine, -1);
      }
      await tx.exec();
    }
    return jobs;
  }

  private drainKeys(sessionId: string): string[] {
    const { keys } = this;
    return [
      keys.mailbox(sessionId),
      keys.draining(sessionId),
      keys.backlogByRoom,
      keys.backlogByEngine,
      keys.roomConcurrency,
    ];
  }

  private drainArgs(sessionId: string, owner: string, now: number): (string | number)[] {
    const { keys, options } = this;
    return [
      keys.jobPrefix,
      keys.roomActivePrefix,
      sessionId,
      now,
      options.leaseMs,
      options.roomConcurrency,
      NO_ROOM,
      keys.runsPrefix,
      options.resultTtlMs,
      owner,
      keys.drainsActivePrefix,
    ];
  }
}

function taken(raw: string, state: JobState, payload: string, crashes: number): TakenItem {
  const job = JSON.parse(raw) as QueryJob;
  const item: TakenItem = { raw, job, crashes };
  if (state === 'done' || state === 'failed') item.stored = statusOf(job.jobId, job.sessionId, state, payload);
  return item;
}

/** The mailbox settings every API replica and worker derive the same way from the configuration. */
export function mailboxOptions(config: Config): MailboxOptions {
  return {
    resultTtlMs: config.resultTtlMs,
    // As long as a job lock: a live drain renews its lease at every query and by a heartbeat while one
    // runs, so a dead worker's session is free again about when BullMQ hands its job on.
    leaseMs: config.worker.lockMs,
    roomConcurrency: config.rooms.concurrency,
    roomPriority: config.rooms.priority,
  };
}
