import type { EngineName } from '@sqlfleet/core';

/** `transaction(id)` is `runs(id)` plus this (the drain scripts remove both). */
export const TRANSACTION_SUFFIX = ':xact';

/** Every Redis key and channel sqlfleet uses, in one place, under the fleet's prefix. */
export class FleetKeys {
  constructor(readonly fleetId: string) {}

  /**
   * BullMQ queue of per-session "drain" jobs of one engine's sessions (workers take those of engines they
   * serve); with `home`, that worker's own queue of the engine, for the sessions it ran last (DrainHomes).
   */
  drainQueueFor(engine: EngineName, home?: string): string {
    return home ? `${this.fleetId}-drain-${engine}@${home}` : `${this.fleetId}-drain-${engine}`;
  }
  /**
   * Sorted set of the sessions waiting for a drain in a worker's home (its own queue of one engine, without
   * BullMQ: SUBMIT adds, the worker pops; see HomeQueue), scored by priority then arrival.
   */
  homeQueue(engine: EngineName, home: string): string {
    return `${this.homeQueuePrefix}${engine}@${home}`;
  }
  /** `homeQueue(engine, home)` is this plus `engine@home` (SUBMIT builds the key from what it finds). */
  get homeQueuePrefix(): string {
    return `${this.fleetId}:home-queue:`;
  }
  /** Counter ordering arrivals in the home queues (first come, first served within a priority). */
  get homeQueueSeq(): string {
    return `${this.fleetId}:home-queue-seq`;
  }
  /** `drainsActive(engine)` is this plus the engine: sorted set of the engine's sessions drained now, scored by lease end. */
  get drainsActivePrefix(): string {
    return `${this.fleetId}:drains-active:`;
  }
  drainsActive(engine: EngineName): string {
    return `${this.drainsActivePrefix}${engine}`;
  }
  /** Set of worker ids that have (or had) a home queue: the ones to look after when their worker is gone. */
  get drainHomes(): string {
    return `${this.fleetId}:drain-homes`;
  }
  mailbox(sessionId: string): string {
    return `${this.fleetId}:mailbox:${sessionId}`;
  }
  job(jobId: string): string {
    return `${this.jobPrefix}${jobId}`;
  }
  /** `job(id)` is this plus the id (the drain scripts build job keys from ids they read). */
  get jobPrefix(): string {
    return `${this.fleetId}:job:`;
  }
  /** Present (value: the drain's room) while a worker drains the session: a new query needs no drain job. */
  draining(sessionId: string): string {
    return `${this.fleetId}:draining:${sessionId}`;
  }
  /** `roomActive(room)` is this plus the room: sorted set of sessions drained now, scored by lease end. */
  get roomActivePrefix(): string {
    return `${this.fleetId}:room-active:`;
  }
  roomActive(room: string): string {
    return `${this.roomActivePrefix}${room}`;
  }
  /** Hash room → drains it may hold at once fleet-wide (overrides the configured default). */
  get roomConcurrency(): string {
    return `${this.fleetId}:rooms:concurrency`;
  }
  /** Hash room → drain priority (1 is served first; overrides the configured default). */
  get roomPriority(): string {
    return `${this.fleetId}:rooms:priority`;
  }
  /** Runs of a query that started and have not ended (a worker died under them). */
  runs(jobId: string): string {
    return `${this.runsPrefix}${jobId}`;
  }
  /** The transaction a run of the job recorded before committing (`RunRecord`); removed with `runs(id)`. */
  transaction(jobId: string): string {
    return `${this.runs(jobId)}${TRANSACTION_SUFFIX}`;
  }
  /** `runs(id)` is this plus the id (the drain scripts count runs of the heads they take). */
  get runsPrefix(): string {
    return `${this.fleetId}:runs:`;
  }
  /** Pub/sub channel announcing finished jobs to API replicas waiting on them. */
  get resultsChannel(): string {
    return `${this.fleetId}:results`;
  }
  get backlogByRoom(): string {
    return `${this.fleetId}:backlog:room`;
  }
  get backlogByEngine(): string {
    return `${this.fleetId}:backlog:engine`;
  }
  session(sessionId: string): string {
    return `${this.fleetId}:session:${sessionId}`;
  }
  /** Sorted set of live sessions scored by last use, for the reaper. */
  get sessionsByLastUse(): string {
    return `${this.fleetId}:sessions`;
  }
  clientSessions(clientId: string): string {
    return `${this.fleetId}:client:${clientId}`;
  }
  schema(fingerprint: string): string {
    return `${this.fleetId}:schema:${fingerprint}`;
  }
  /** BullMQ queue of exam "fill" jobs that pre-warm an exam's sandboxes. */
  get prewarmQueue(): string {
    return `${this.fleetId}-prewarm`;
  }
  /** Hash describing an exam (engine, fingerprint, counts), expiring with the exam. */
  exam(room: string): string {
    return `${this.fleetId}:exam:${room}`;
  }
  /** List of an exam's pre-warmed sandbox handles waiting to be claimed. */
  examReady(room: string): string {
    return `${this.fleetId}:exam-ready:${room}`;
  }
  lock(name: string): string {
    return `${this.fleetId}:lock:${name}`;
  }
  rate(clientId: string, window: number): string {
    return `${this.fleetId}:rate:${clientId}:${window}`;
  }
  /** Socket.IO streams adapter stream. */
  get socketStream(): string {
    return `${this.fleetId}:socket.io`;
  }

  /** Ten-second buckets of finished queries (outcomes, wait and run histograms) of a room or of the fleet. */
  statsBucket(scope: string, bucket: number): string {
    return `${this.fleetId}:stats:${scope}:${bucket}`;
  }
  /** Sorted set of a room's queries running now, scored by when they are given up as stale. */
  running(room: string): string {
    return `${this.fleetId}:running:${room}`;
  }
  /** Sorted set of rooms scored by last activity. */
  get rooms(): string {
    return `${this.fleetId}:rooms`;
  }
  /** Sorted set of a room's sessions scored by last use. */
  roomSessions(room: string): string {
    return `${this.fleetId}:room-sessions:${room}`;
  }
  /** Stream of a room's audit trail (one entry per query). */
  audit(room: string): string {
    return `${this.fleetId}:audit:${room}`;
  }
  /** Counter giving sessions without a live home one in turn (SUBMIT). */
  get homeTurn(): string {
    return `${this.fleetId}:home-turn`;
  }
  /** Hash of worker heartbeats: worker id → JSON figures. */
  get workerHeartbeats(): string {
    return `${this.fleetId}:workers`;
  }
  /** A proctor token, stored under its SHA-256 so Redis never holds the token itself. */
  proctorToken(tokenHash: string): string {
    return `${this.fleetId}:proctor-token:${tokenHash}`;
  }
  /** Sorted set of API replicas scored by when they last wrote their socket counts. */
  get socketReplicas(): string {
    return `${this.fleetId}:socket-replicas`;
  }
  /** Hash of one API replica's connected students by room (`*`: all its sockets). */
  socketCounts(replicaId: string): string {
    return `${this.fleetId}:sockets:${replicaId}`;
  }
}
