import type { Logger } from '@sqlfleet/core';
import type { SandboxManager } from '../sandbox-manager.ts';
import type { SessionStore } from '../session-store.ts';
import type { ExamStore } from './exam-store.ts';

export interface ExamPrewarmerOptions {
  exams: ExamStore;
  sessions: SessionStore;
  manager: SandboxManager;
  logger: Logger;
}

/**
 * Runs a fill job: takes the exam's next slot, builds a seeded sandbox for it, adds it to the pool,
 * one at a time, until the exam has its target. Several fill jobs (on several workers) share the
 * slots through Redis, so the pool never overshoots; the rate is bounded by how many fill jobs run.
 */
export class ExamPrewarmer {
  private stopping = false;

  constructor(private readonly options: ExamPrewarmerOptions) {}

  /** Stop after the sandbox in hand; the caller hands the rest of the fill to another job. */
  stop(): void {
    this.stopping = true;
  }

  /** `done` when the exam has its target or is gone; `stopped` when stop() cut it short. */
  async fill(room: string, examId: string): Promise<'done' | 'stopped'> {
    const { exams, sessions, manager } = this.options;
    const exam = await exams.get(room);
    if (exam?.id !== examId) return 'done';
    const log = this.options.logger.child({ room, engine: exam.engine });
    // The schema store forgets a fingerprint no session used lately; the exam still needs it.
    await sessions.saveSchema(exam.fingerprint, { engine: exam.engine, dbml: exam.dbml, data: exam.data });
    let built = 0;
    for (;;) {
      if (this.stopping) return 'stopped';
      if ((await exams.reserve(room, examId)) <= 0) break;
      let prewarmed: Awaited<ReturnType<SandboxManager['prewarm']>>;
      try {
        prewarmed = await manager.prewarm(exam);
      } catch (error) {
        await exams.release(room, examId);
        throw error; // the fill job retries with backoff
      }
      const { sandbox, heldBy } = prewarmed;
      if (!(await exams.pushReady(room, examId, sandbox, heldBy))) {
        log.info('exam went away during a pre-warm build: removing the sandbox');
        await manager.destroyPrewarmed(sandbox);
        break;
      }
      built++;
    }
    if (built > 0) log.info({ built }, 'exam pre-warm fill finished');
    return 'done';
  }
}
