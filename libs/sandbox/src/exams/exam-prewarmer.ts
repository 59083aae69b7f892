import type { Logger } from '@sqlfleet/core';
import { GIVE_WAY_MS, giveWay } from '../give-way.ts';
import type { SandboxManager } from '../sandbox-manager.ts';
import type { SessionStore } from '../session-store.ts';
import type { ExamStore } from './exam-store.ts';

export interface ExamPrewarmerOptions {
  exams: ExamStore;
  sessions: SessionStore;
  manager: SandboxManager;
  /**
   * True while students' queries keep this worker's query slots all taken: each build gives way to them
   * first, for at most `giveWayMs`. A build costs the shared server tens of times a query's work, so an
   * exam whose students come while its pool still fills would otherwise slow their first answers (a quarter
   * to a third fewer per second, measured here); bounded, so a fleet that stays saturated still pre-warms, slowly.
   */
  saturated?: () => boolean;
  /** The longest one build gives way (default GIVE_WAY_MS). */
  giveWayMs?: number;
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
    // The schema store forgets a fingerprint no session used lately; the exam still needs it (kept as stored,
    // with its compiled batches, while it is there).
    if (!(await sessions.refreshSchema(exam.fingerprint))) {
      await sessions.saveSchema(exam.fingerprint, { engine: exam.engine, dbml: exam.dbml, data: exam.data });
    }
    let built = 0;
    for (;;) {
      await this.giveWay();
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

  /** Waits while the worker's query slots are all taken, up to the bound, or until stop(). */
  private giveWay(): Promise<void> {
    const { saturated, giveWayMs = GIVE_WAY_MS } = this.options;
    return giveWay(saturated, giveWayMs, () => this.stopping);
  }
}
