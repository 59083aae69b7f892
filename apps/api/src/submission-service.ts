import { randomBytes, randomUUID } from 'node:crypto';
import type { QueryJob, QueryRequest } from '@sqlfleet/contracts';
import { AppError, type Config, type EngineName, type Logger } from '@sqlfleet/core';
import { fingerprintOf, type SchemaCompiler } from '@sqlfleet/dbml';
import type { JobStore, Mailbox } from '@sqlfleet/queue';
import type { SessionRecord, SessionStore } from '@sqlfleet/sandbox';

export interface SubmissionServiceOptions {
  sessions: SessionStore;
  jobs: JobStore;
  mailbox: Mailbox;
  /** Checks DBML and data off the event loop; only for schemas not seen before. */
  compiler: SchemaCompiler;
  /** Engines this deployment can serve. */
  available: ReadonlySet<EngineName>;
  limits: Config['limits'];
  logger: Logger;
}

export interface Submitted {
  jobId: string;
  sessionId: string;
}

/** Accepts a validated query: finds or makes the session, stores its schema, enqueues the query. */
export class SubmissionService {
  constructor(private readonly options: SubmissionServiceOptions) {}

  async submit(request: QueryRequest, clientId: string, socketId?: string): Promise<Submitted> {
    const { sessions, jobs, mailbox, available, limits } = this.options;
    if (!available.has(request.engine)) {
      throw new AppError('ENGINE_UNAVAILABLE', `Engine ${request.engine} is not available on this deployment`, {
        details: { engine: request.engine, available: [...available] },
      });
    }
    await this.shedLoad();
    const existing = request.sessionId ? await this.existingSession(request.sessionId, request.engine) : undefined;
    if (existing) await this.limitPending(existing.id);
    const fingerprint = await this.schemaFingerprint(request, existing);
    const session = existing ?? (await this.createSession(request, clientId, fingerprint));
    if (existing && existing.fingerprint !== fingerprint) await sessions.setFingerprint(existing.id, fingerprint);

    const job: QueryJob = {
      jobId: randomUUID(),
      sessionId: session.id,
      engine: request.engine,
      query: request.query,
      fingerprint,
      limits: {
        timeoutMs: request.timeoutMs ?? limits.queryTimeMs.default,
        maxRows: limits.rows.default,
        maxBytes: limits.resultBytes.default,
      },
      submittedAt: Date.now(),
      clientId,
    };
    const room = request.room ?? session.room;
    if (room) job.room = room;
    if (socketId) job.socketId = socketId;
    await jobs.create(job.jobId, session.id);
    await mailbox.enqueue(job);
    await sessions.touch(session.id);
    return { jobId: job.jobId, sessionId: session.id };
  }

  /** Past the fleet's backlog ceiling, new work is refused at once rather than queued for minutes. */
  private async shedLoad(): Promise<void> {
    const { mailbox, limits } = this.options;
    if ((await mailbox.total()) >= limits.backlog) {
      throw new AppError('QUEUE_FULL', `The fleet has ${limits.backlog} queries waiting; try again shortly`, {
        details: { limit: limits.backlog },
      });
    }
  }

  /** One student cannot fill the queue: a session's waiting queries are capped. */
  private async limitPending(sessionId: string): Promise<void> {
    const { mailbox, limits } = this.options;
    if ((await mailbox.pending(sessionId)) >= limits.pendingPerSession) {
      throw new AppError('SESSION_BUSY', `At most ${limits.pendingPerSession} queries may wait per session`, {
        details: { limit: limits.pendingPerSession },
      });
    }
  }

  private async existingSession(sessionId: string, engine: EngineName): Promise<SessionRecord> {
    const session = await this.options.sessions.get(sessionId);
    if (!session) throw new AppError('SESSION_NOT_FOUND', `Session ${sessionId} does not exist or has expired`);
    if (session.engine !== engine) {
      throw new AppError('SESSION_ENGINE_MISMATCH', `Session ${sessionId} runs ${session.engine}, not ${engine}`, {
        details: { sessionEngine: session.engine },
      });
    }
    return session;
  }

  /**
   * A request without DBML keeps the session's schema. A schema seen before (same fingerprint)
   * is not compiled again: a room of students sends the same DBML with every query.
   */
  private async schemaFingerprint(request: QueryRequest, existing: SessionRecord | undefined): Promise<string> {
    const { sessions } = this.options;
    if (existing && request.dbml === undefined && request.data === undefined) {
      await sessions.refreshSchema(existing.fingerprint);
      return existing.fingerprint;
    }
    const input = { engine: request.engine, dbml: request.dbml ?? '', data: request.data };
    const fingerprint = fingerprintOf(input);
    if (await sessions.refreshSchema(fingerprint)) return fingerprint;
    await this.options.compiler.compile(input); // throws DBML_INVALID (line, column) or DATA_INVALID
    await sessions.saveSchema(fingerprint, { engine: request.engine, dbml: input.dbml, data: request.data });
    return fingerprint;
  }

  private async createSession(request: QueryRequest, clientId: string, fingerprint: string): Promise<SessionRecord> {
    const { sessions, limits, logger } = this.options;
    if ((await sessions.countForClient(clientId)) >= limits.sessionsPerClient) {
      throw new AppError('TOO_MANY_SESSIONS', `At most ${limits.sessionsPerClient} live sessions per client`, {
        details: { limit: limits.sessionsPerClient },
      });
    }
    const now = Date.now();
    const session: SessionRecord = {
      // 144 random bits: a session id is the capability to use the session.
      id: randomBytes(18).toString('base64url'),
      engine: request.engine,
      fingerprint,
      clientId,
      createdAt: now,
      lastUsedAt: now,
    };
    if (request.room) session.room = request.room;
    await sessions.create(session);
    logger.info({ sessionId: session.id, engine: session.engine, room: session.room }, 'session created');
    return session;
  }
}
