import { randomUUID } from 'node:crypto';
import type { ExamRequest, ExamStatus } from '@sqlfleet/contracts';
import { AppError, type Config, type EngineName, type Logger } from '@sqlfleet/core';
import { fingerprintOf, type SchemaCompiler } from '@sqlfleet/dbml';
import { addFillJobs, type PrewarmJobData } from '@sqlfleet/queue';
import type { ExamStore, SandboxManager, SessionStore } from '@sqlfleet/sandbox';
import type { Queue } from 'bullmq';

export interface ExamServiceOptions {
  exams: ExamStore;
  sessions: SessionStore;
  manager: SandboxManager;
  compiler: SchemaCompiler;
  prewarmQueue: Queue<PrewarmJobData>;
  available: ReadonlySet<EngineName>;
  config: Config;
  logger: Logger;
}

/** Registers exams (compiled once, then pre-warmed by the workers' fill jobs), reports and deletes them. */
export class ExamService {
  constructor(private readonly options: ExamServiceOptions) {}

  async register(request: ExamRequest): Promise<ExamStatus> {
    const { exams, sessions, compiler, prewarmQueue, available, config, logger } = this.options;
    if (!available.has(request.engine)) {
      throw new AppError('ENGINE_UNAVAILABLE', `Engine ${request.engine} is not available on this deployment`, {
        details: { engine: request.engine, available: [...available] },
      });
    }
    const input = { engine: request.engine, dbml: request.dbml, data: request.data };
    // Throws DBML_INVALID (line, column) or DATA_INVALID before anything is stored.
    const { batches } = await compiler.compile(input);
    const fingerprint = fingerprintOf(input);
    await sessions.saveSchema(fingerprint, { ...input, batches });
    const now = Date.now();
    const exam = {
      id: randomUUID(),
      room: request.room,
      engine: request.engine,
      fingerprint,
      dbml: request.dbml,
      ...(request.data ? { data: request.data } : {}),
      students: request.students,
      target: request.students + Math.ceil((request.students * config.exams.headroomPercent) / 100),
      createdAt: now,
      expiresAt: now + config.exams.ttlMs,
    };
    if (!(await exams.create(exam))) {
      throw new AppError('EXAM_EXISTS', `An exam is already registered for room ${request.room}`, {
        details: { room: request.room },
      });
    }
    await addFillJobs(prewarmQueue, { room: exam.room, examId: exam.id }, Math.max(1, config.exams.prewarmJobs));
    logger.info({ room: exam.room, engine: exam.engine, target: exam.target }, 'exam registered');
    return this.status(exam.room);
  }

  async status(room: string): Promise<ExamStatus> {
    const status = await this.options.exams.status(room);
    if (!status) throw new AppError('EXAM_NOT_FOUND', `No exam is registered for room ${room}`);
    return status;
  }

  /** Removes the exam and its unclaimed sandboxes; sessions that claimed one keep it. */
  async remove(room: string): Promise<void> {
    if (!(await this.options.manager.destroyExam(room))) {
      throw new AppError('EXAM_NOT_FOUND', `No exam is registered for room ${room}`);
    }
  }
}
