import { randomBytes, randomUUID } from 'node:crypto';
import type { QueryRequest } from '@sqlfleet/contracts';
import { AppError, type Config, type EngineName, type Logger } from '@sqlfleet/core';
import { fingerprintOf, type SchemaCompiler } from '@sqlfleet/dbml';
import type { EnqueueChecks, EnqueueResult, Mailbox, NewJob } from '@sqlfleet/queue';
import { type SessionRecord, type SessionStore, sessionFields } from '@sqlfleet/sandbox';
import type { RateLimiter } from './rate-limiter.ts';

export interface SubmissionServiceOptions {
  sessions: SessionStore;
  mailbox: Mailbox;
  rateLimiter: RateLimiter;
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

/**
 * Accepts a validated query and counts it against the client's rate: finds or makes the session,
 * stores its schema when new, enqueues the query. A query whose schema is known takes one Redis round trip,
 * a new session's first included (plus a drain job when no worker of its engine is alive).
 */
export class SubmissionService {
  /** Schemas being checked and stored, by fingerprint: a room's students all send the same one at once. */
  private readonly saving = new Map<string, Promise<void>>();

  constructor(private readonly options: SubmissionServiceOptions) {}

  /** `jobId` may be chosen by the caller, to wait for the result before the job exists. */
  async submit(
    request: QueryRequest,
    clientId: string,
    socketId?: string,
    jobId = request.requestId ?? randomUUID(),
  ): Promise<Submitted> {
    const { available, rateLimiter } = this.options;
    if (!available.has(request.engine)) {
      await rateLimiter.take(clientId);
      throw new AppError('ENGINE_UNAVAILABLE', `Engine ${request.engine} is not available on this deployment`, {
        details: { engine: request.engine, available: [...available] },
      });
    }
    const input = this.schemaInput(request);
    let fingerprint = input ? fingerprintOf(input) : undefined;
    let sessionId = request.sessionId;
    let created: SessionRecord | undefined;
    if (sessionId === undefined) {
      fingerprint ??= fingerprintOf({ engine: request.engine, dbml: '' });
      created = this.newSession(request, clientId, fingerprint);
      sessionId = created.id;
    }

    const job: NewJob = {
      jobId,
      sessionId,
      engine: request.engine,
      query: request.query,
      limits: {
        timeoutMs: request.timeoutMs ?? this.options.limits.queryTimeMs.default,
        maxRows: this.options.limits.rows.default,
        maxBytes: this.options.limits.resultBytes.default,
      },
      submittedAt: Date.now(),
      clientId,
    };
    if (fingerprint) job.fingerprint = fingerprint;
    if (request.room) job.room = request.room;
    if (socketId) job.socketId = socketId;
    let outcome = await this.options.mailbox.enqueue(job, this.checks(rateLimiter.window(clientId), created));
    if (!outcome.accepted && outcome.refusal === 'SCHEMA_MISSING' && fingerprint) {
      // A schema not seen before (or expired): check and store it, then submit again (already counted).
      await this.saveSchema(request, fingerprint);
      outcome = await this.options.mailbox.enqueue(job, this.checks(undefined, created));
    }
    if (!outcome.accepted) throw this.refusal(outcome, sessionId, request.engine);
    if (created) {
      this.options.logger.info(
        { sessionId, engine: created.engine, room: created.room, clientId: created.clientId },
        'session created',
      );
    }
    return { jobId, sessionId };
  }

  /** What SUBMIT checks; with `created`, the session it creates first. */
  private checks(rate: EnqueueChecks['rate'], created: SessionRecord | undefined): EnqueueChecks {
    const { limits, sessions } = this.options;
    const checks: EnqueueChecks = {
      backlog: limits.backlog,
      pendingPerSession: limits.pendingPerSession,
      schemaTtlMs: sessions.schemaTtlMs,
    };
    if (rate) checks.rate = rate;
    if (created) {
      checks.newSession = {
        clientId: created.clientId,
        fields: sessionFields(created),
        perClient: limits.sessionsPerClient,
      };
    }
    return checks;
  }

  private refusal(
    outcome: Extract<EnqueueResult, { accepted: false }>,
    sessionId: string,
    engine: EngineName,
  ): AppError {
    const { limits, rateLimiter } = this.options;
    switch (outcome.refusal) {
      case 'RATE_LIMITED':
        return rateLimiter.refusal();
      case 'QUEUE_FULL':
        return this.queueFull();
      case 'SESSION_BUSY':
        return new AppError('SESSION_BUSY', `At most ${limits.pendingPerSession} queries may wait per session`, {
          details: { limit: limits.pendingPerSession },
        });
      case 'TOO_MANY_SESSIONS':
        return new AppError('TOO_MANY_SESSIONS', `At most ${limits.sessionsPerClient} live sessions per client`, {
          details: { limit: limits.sessionsPerClient },
        });
      case 'REQUEST_ID_TAKEN':
        return new AppError('VALIDATION_FAILED', 'requestId: already used for a query of another session');
      case 'SESSION_ENGINE_MISMATCH':
        return new AppError('SESSION_ENGINE_MISMATCH', `Session ${sessionId} runs ${outcome.detail}, not ${engine}`, {
          details: { sessionEngine: outcome.detail },
        });
      default:
        return new AppError('SESSION_NOT_FOUND', `Session ${sessionId} does not exist or has expired`);
    }
  }

  private queueFull(): AppError {
    const { backlog } = this.options.limits;
    return new AppError('QUEUE_FULL', `The fleet has ${backlog} queries waiting; try again shortly`, {
      details: { limit: backlog },
    });
  }

  /** A request without DBML or data keeps the session's schema. */
  private schemaInput(request: QueryRequest) {
    if (request.dbml === undefined && request.data === undefined) return undefined;
    return { engine: request.engine, dbml: request.dbml ?? '', data: request.data };
  }

  /**
   * Checks DBML and data (throws DBML_INVALID with line and column, or DATA_INVALID) and stores
   * them once per fingerprint: a room of students sends the same DBML with every query, and the
   * first queries of an unannounced exam all at once (600 compiles of one schema queued in the
   * compiler's thread before the first was stored, each new session waiting behind them).
   */
  private saveSchema(request: QueryRequest, fingerprint: string): Promise<void> {
    let saving = this.saving.get(fingerprint);
    if (!saving) {
      saving = this.compileAndStore(request, fingerprint).finally(() => this.saving.delete(fingerprint));
      this.saving.set(fingerprint, saving);
    }
    return saving;
  }

  private async compileAndStore(request: QueryRequest, fingerprint: string): Promise<void> {
    const input = this.schemaInput(request) ?? { engine: request.engine, dbml: '' };
    const { batches } = await this.options.compiler.compile(input);
    await this.options.sessions.saveSchema(fingerprint, {
      engine: request.engine,
      dbml: input.dbml,
      data: request.data,
      batches,
    });
  }

  /** A new session's record, stored by its first query's submission (see Mailbox.enqueue). */
  private newSession(request: QueryRequest, clientId: string, fingerprint: string): SessionRecord {
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
    return session;
  }
}
