/**
 * e. The exam start (issue 9 item 7): N students (default 1,000) open sessions on one DBML at
 * once, with the exam registered and pre-warmed ahead (POST /api/exams) and without, then each
 * sends a few more queries with think time between them, as a room does. Failures are counted
 * and shown, not hidden: a student without an answer within the API's wait is a failure.
 */
import { randomBytes } from 'node:crypto';
import type { ExamStatus } from '@sqlfleet/contracts';
import type { EngineName } from '@sqlfleet/core';
import type { Fleet } from '../../test/support/fleet.ts';
import { childrenRss } from '../rss.ts';
import { EXAM_CHECK, EXAM_DBML } from '../schemas.ts';
import { since, summarize } from '../stats.ts';
import { Student } from '../student.ts';
import type { Row } from '../table.ts';

export const EXAM_START = {
  students: 1_000,
  /** Queries after the first, each after a think time of 0.5–1.5 × thinkMs. */
  queriesEach: 3,
  thinkMs: 3_000,
  /** How long pre-warming may take before the students come anyway. */
  prewarmWaitMs: 600_000,
};

/** The two ways a room starts: with its exam registered and pre-warmed ahead, or unannounced. */
export const EXAM_STARTS = ['prewarmed', 'unannounced'] as const;
export type ExamStartKind = (typeof EXAM_STARTS)[number];

export async function benchExamStart(
  fleet: Fleet,
  engine: EngineName,
  students: number,
  kinds: readonly ExamStartKind[] = EXAM_STARTS,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const kind of kinds) rows.push(...(await examStart(fleet, engine, students, kind === 'prewarmed')));
  return rows;
}

async function examStart(fleet: Fleet, engine: EngineName, count: number, prewarm: boolean): Promise<Row[]> {
  const room = `bench-${randomBytes(4).toString('hex')}`;
  const rows: Row[] = [];
  const label = `${engine} ${count} students, ${prewarm ? 'exam pre-warmed' : 'no exam registered'}`;
  if (prewarm) rows.push(await prewarmExam(fleet, engine, room, count));
  const students = Array.from({ length: count }, () => new Student(fleet.url, engine, room));
  try {
    const started = performance.now();
    const first = await Promise.all(students.map((s) => timed(() => s.post(EXAM_CHECK.query, EXAM_DBML))));
    const firstWall = since(started);
    const answered = first.filter((f) => f.ms !== undefined).map((f) => f.ms as number);
    const errors = first.filter((f) => f.error).map((f) => f.error as string);
    rows.push({
      suite: 'exam',
      case: `${label}: first answers, all at once`,
      summary: summarize(answered, firstWall),
      rssMiB: await childrenRss(),
      note: `${errors.length} without an answer${errors[0] ? ` (${errors[0]})` : ''}; all answered within ${(Math.max(0, ...answered) / 1000).toFixed(1)} s`,
    });

    const live = students.filter((s) => s.sessionId);
    const steady: number[] = [];
    const steadyErrors: string[] = [];
    const steadyStarted = performance.now();
    await Promise.all(
      live.map(async (student) => {
        for (let i = 0; i < EXAM_START.queriesEach; i++) {
          await new Promise((resolve) => setTimeout(resolve, EXAM_START.thinkMs * (0.5 + Math.random())));
          const { ms, error } = await timed(() => student.post('SELECT COUNT(*) AS n FROM customers'));
          if (ms !== undefined) steady.push(ms);
          if (error) steadyErrors.push(error);
        }
      }),
    );
    rows.push({
      suite: 'exam',
      case: `${label}: then ${EXAM_START.queriesEach} queries each, think ${EXAM_START.thinkMs / 1000} s`,
      summary: summarize(steady, since(steadyStarted)),
      note: `${steadyErrors.length} failed${steadyErrors[0] ? ` (${steadyErrors[0]})` : ''}; ${Student.rebuilt(students)} sandboxes rebuilt under a student`,
    });
  } finally {
    await Student.leaveAll(students);
    if (prewarm) await fetch(`${fleet.url}/api/exams/${room}`, { method: 'DELETE' });
  }
  return rows;
}

/** Registers the exam and waits until its whole pool (students plus headroom) is ready, or the wait runs out. */
export async function prewarmExam(fleet: Fleet, engine: EngineName, room: string, students: number): Promise<Row> {
  const started = performance.now();
  const made = await fetch(`${fleet.url}/api/exams`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ room, engine, dbml: EXAM_DBML, students }),
  });
  if (made.status !== 201) throw new Error(`POST /api/exams: ${made.status} ${await made.text()}`);
  let ready = 0;
  // The whole pool, headroom included: a pool still filling when the students come is another kind of start.
  let target = students;
  while (since(started) < EXAM_START.prewarmWaitMs) {
    const status = (await (await fetch(`${fleet.url}/api/exams/${room}`)).json()) as Partial<ExamStatus>;
    ready = status.ready ?? 0;
    target = status.target ?? students;
    if (ready >= target) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const wallMs = since(started);
  return {
    suite: 'exam',
    case: `${engine} pre-warm ${students} seeded sandboxes`,
    summary: {
      n: ready,
      p50: Number.NaN,
      p95: Number.NaN,
      p99: Number.NaN,
      max: wallMs,
      perSecond: (ready / wallMs) * 1000,
    },
    rssMiB: await childrenRss(),
    note: `${ready} of ${target} ready after ${(wallMs / 1000).toFixed(0)} s (max ms = time to ready); ops/s = sandboxes built per second`,
  };
}

async function timed(op: () => Promise<unknown>): Promise<{ ms?: number; error?: string }> {
  const started = performance.now();
  try {
    await op();
    return { ms: since(started) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
