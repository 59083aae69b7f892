/**
 * b. Sandbox start-up as a student sees it: the first query of a NEW session until its answer:
 * built cold (create the database and login, apply the schema, seed 100 rows) one at a time and
 * as a burst of sessions at once, and claimed from a pre-warmed exam one at a time.
 */
import { randomBytes } from 'node:crypto';
import type { EngineName } from '@sqlfleet/core';
import type { Fleet } from '../../test/support/fleet.ts';
import { childrenRss } from '../rss.ts';
import { EXAM_CHECK, EXAM_DBML } from '../schemas.ts';
import { since, summarize } from '../stats.ts';
import { Student } from '../student.ts';
import type { Row } from '../table.ts';
import { prewarmExam } from './exam-start.ts';

export const STARTUP = { warmup: 2, iterations: 12, burst: 20 };

export async function benchSandboxStartup(fleet: Fleet, engines: readonly EngineName[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const engine of engines) {
    // A schema seen before is cloned from its template; a new one (an extra table of a random name) is built cold.
    const alone = (dbml: () => string) => async () => {
      const student = new Student(fleet.url, engine);
      try {
        return await firstQuery(student, dbml());
      } finally {
        await student.leave();
      }
    };
    const cases = [
      {
        label: 'cold: a schema never seen, built and seeded',
        dbml: () => `${EXAM_DBML}\nTable extra_${randomBytes(4).toString('hex')} {\n  id int [pk]\n}\n`,
      },
      { label: 'template clone: the schema seen before', dbml: () => EXAM_DBML },
    ];
    for (const { label, dbml } of cases) {
      const once = alone(dbml);
      for (let i = 0; i < STARTUP.warmup; i++) await once();
      const samples: number[] = [];
      for (let i = 0; i < STARTUP.iterations; i++) samples.push(await once());
      rows.push({
        suite: 'startup',
        case: `${engine} new session, 3 tables + 100 rows (${label})`,
        summary: summarize(samples),
        note: 'one at a time; ops/s not meaningful',
      });
    }
    rows.push(await claimedOneAtATime(fleet, engine));

    // Removed only after the whole burst, so clean-up does not compete with the measured start-ups.
    const students = Array.from({ length: STARTUP.burst }, () => new Student(fleet.url, engine));
    try {
      const started = performance.now();
      const burst = await Promise.all(students.map((s) => firstQuery(s)));
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

/** The same first query in a room whose exam was registered and pre-warmed: the sandbox is claimed. */
async function claimedOneAtATime(fleet: Fleet, engine: EngineName): Promise<Row> {
  const room = `bench-${randomBytes(4).toString('hex')}`;
  await prewarmExam(fleet, engine, room, STARTUP.iterations + STARTUP.warmup);
  const students: Student[] = [];
  try {
    const samples: number[] = [];
    for (let i = 0; i < STARTUP.warmup + STARTUP.iterations; i++) {
      const student = new Student(fleet.url, engine, room);
      students.push(student);
      const ms = await firstQuery(student);
      if (i >= STARTUP.warmup) samples.push(ms);
    }
    return {
      suite: 'startup',
      case: `${engine} new session, exam pre-warmed (claimed)`,
      summary: summarize(samples),
      note: 'one at a time; the exam was ready before the first student',
    };
  } finally {
    await Student.leaveAll(students);
    await fetch(`${fleet.url}/api/exams/${room}`, { method: 'DELETE' });
  }
}

/** Milliseconds from submitting a new session's first query to its checked answer. */
async function firstQuery(student: Student, dbml = EXAM_DBML): Promise<number> {
  const started = performance.now();
  const result = await student.post(EXAM_CHECK.query, dbml);
  const elapsed = since(started);
  const n = Number(result.rows[0]?.n);
  if (result.sandbox !== 'created' || n !== EXAM_CHECK.expected) {
    throw new Error(
      `${student.engine}: expected a new sandbox with ${EXAM_CHECK.expected} orders, got ${result.sandbox}, ${n}`,
    );
  }
  return elapsed;
}
