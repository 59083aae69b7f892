/**
 * b. Sandbox start-up as a student sees it: the first query of a NEW session (create the
 * database and login, apply the schema, seed 100 rows) until its answer, one at a time and
 * as a burst of sessions at once (the first minute of an exam).
 */
import type { EngineName } from '@sqlfleet/core';
import type { Fleet } from '../../test/support/fleet.ts';
import { childrenRss } from '../rss.ts';
import { EXAM_CHECK, EXAM_DBML } from '../schemas.ts';
import { since, summarize } from '../stats.ts';
import { Student } from '../student.ts';
import type { Row } from '../table.ts';

export const STARTUP = { warmup: 2, iterations: 12, burst: 20 };

export async function benchSandboxStartup(fleet: Fleet, engines: readonly EngineName[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const engine of engines) {
    const alone = async () => {
      const student = new Student(fleet.url, engine);
      try {
        return await firstQuery(student);
      } finally {
        await student.leave();
      }
    };
    for (let i = 0; i < STARTUP.warmup; i++) await alone();
    const samples: number[] = [];
    for (let i = 0; i < STARTUP.iterations; i++) samples.push(await alone());
    rows.push({
      suite: 'startup',
      case: `${engine} new session, 3 tables + 100 rows`,
      summary: summarize(samples),
      note: 'one at a time; ops/s not meaningful',
    });

    // Removed only after the whole burst, so clean-up does not compete with the measured start-ups.
    const students = Array.from({ length: STARTUP.burst }, () => new Student(fleet.url, engine));
    try {
      const started = performance.now();
      const burst = await Promise.all(students.map(firstQuery));
      rows.push({
        suite: 'startup',
        case: `${engine} ${STARTUP.burst} new sessions at once`,
        summary: summarize(burst, since(started)),
        rssMiB: await childrenRss(),
        note: 'ops/s = sandboxes ready per second',
      });
    } finally {
      await Student.leaveAll(students);
    }
  }
  return rows;
}

/** Milliseconds from submitting a new session's first query to its checked answer. */
async function firstQuery(student: Student): Promise<number> {
  const started = performance.now();
  const result = await student.post(EXAM_CHECK.query, EXAM_DBML);
  const elapsed = since(started);
  const n = Number(result.rows[0]?.n);
  if (result.sandbox !== 'created' || n !== EXAM_CHECK.expected) {
    throw new Error(
      `${student.engine}: expected a new sandbox with ${EXAM_CHECK.expected} orders, got ${result.sandbox}, ${n}`,
    );
  }
  return elapsed;
}
