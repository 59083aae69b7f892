/**
 * The fault scripts' exam: students of a pre-warmed exam each claim a sandbox and write numbered rows
 * into its seeded `customers` table one query after another, while the script breaks something; then
 * every session is read back to see what the fault cost. Shared by the chaos scripts so that each
 * fault is judged the same way.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { post, waitForJob } from './client.ts';
import type { Fleet } from './fleet.ts';
import { SHOP_DBML } from './schemas.ts';
import { until } from './until.ts';

export interface ExamWrites {
  fleet: Fleet;
  engine: 'postgres' | 'mysql';
  room: string;
  /** Ops token of the fleet, for the exam routes. */
  token: string;
  students: number;
  writes: number;
}

export interface WriteAnswer {
  jobId?: string;
  status: number;
  success: boolean;
  code?: string;
  /** `created`, `reused` or `recreated`, as the answer said. */
  sandbox?: string;
}

export interface StudentSession {
  student: number;
  sessionId: string;
  /** Writes answered success. */
  ok: number[];
  /** Writes answered otherwise: they may or may not have applied. */
  unsure: number[];
}

export interface WritesVerdict {
  /** Successful writes in all. */
  kept: number;
  /** Writes not answered success that are in the sandbox all the same. */
  unsureApplied: number;
  /** Answers that were not a success, counted by `status code`. */
  byCode: Record<string, number>;
  /** Answers after a session's first whose sandbox was not `reused` (built again: the student's work gone). */
  rebuilt: WriteAnswer[];
  /** Sessions missing the seed or an answered write, or holding a write twice or out of order. */
  damaged: string[];
}

const clientOf = (exam: ExamWrites, i: number) => ({ 'x-sqlfleet-client': `${exam.room}-student-${i}` });

/** Registers the exam and waits until its sandboxes are all pre-warmed. */
export async function registerExam(exam: ExamWrites, readyWithinMs = 120_000): Promise<void> {
  const { fleet, room, engine, token, students } = exam;
  const created = await fetch(`${fleet.url}/api/exams`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ room, engine, dbml: SHOP_DBML, students }),
  });
  if (created.status !== 201) throw new Error(`exam not registered: ${created.status} ${await created.text()}`);
  const state = await until(
    async () =>
      (await (
        await fetch(`${fleet.url}/api/exams/${room}`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { ready: number },
    (s) => s.ready >= students,
    readyWithinMs,
  );
  if (state.ready < students) throw new Error(`exam ${room}: ${state.ready} of ${students} ready in time`);
}

/** A query as a student's editor sends it, read to the end (a 202 past the API's wait is polled). */
async function ask(
  exam: ExamWrites,
  i: number,
  body: Record<string, unknown>,
): Promise<WriteAnswer & { sessionId?: string }> {
  const sent = await post(exam.fleet.url, { engine: exam.engine, ...body }, clientOf(exam, i));
  let result = sent.body as unknown as Record<string, unknown>;
  if (sent.status === 202) {
    const job = await waitForJob(exam.fleet.url, String(sent.body.jobId), 120_000);
    result = (job.result ?? { success: false, error: job.error }) as Record<string, unknown>;
  }
  const error = result.error as { code?: string } | undefined;
  return {
    jobId: String(sent.body.jobId ?? result.jobId),
    status: sent.status,
    success: result.success === true,
    sessionId: result.sessionId as string | undefined,
    sandbox: result.sandbox as string | undefined,
    ...(error?.code ? { code: error.code } : {}),
  };
}

/**
 * Every student at once: a first query that claims the sandbox, then `writes` INSERTs of `w1`, `w2`, …
 * 100–300 ms apart. `answers` fills as they come, for the script to time its fault on.
 */
export async function writeAll(
  exam: ExamWrites,
  answers: WriteAnswer[],
): Promise<{ sessions: StudentSession[]; firstAnswers: WriteAnswer[] }> {
  const sessions: StudentSession[] = [];
  const firstAnswers: WriteAnswer[] = [];
  const student = async (i: number) => {
    const first = await ask(exam, i, { room: exam.room, dbml: SHOP_DBML, query: 'SELECT count(*) FROM customers' });
    firstAnswers.push(first);
    if (!first.success) return;
    const session: StudentSession = { student: i, sessionId: String(first.sessionId), ok: [], unsure: [] };
    sessions.push(session);
    for (let n = 1; n <= exam.writes; n++) {
      const answer = await ask(exam, i, {
        room: exam.room,
        sessionId: session.sessionId,
        query: `INSERT INTO customers (name) VALUES ('w${n}')`,
      });
      answers.push(answer);
      (answer.success ? session.ok : session.unsure).push(n);
      await sleep(100 + Math.random() * 200);
    }
  };
  await Promise.all(Array.from({ length: exam.students }, (_, i) => student(i)));
  return { sessions, firstAnswers };
}

/** Reads every session back and judges what the fault cost. */
export async function judgeWrites(
  exam: ExamWrites,
  sessions: StudentSession[],
  answers: WriteAnswer[],
): Promise<WritesVerdict> {
  const byCode: Record<string, number> = {};
  for (const a of answers.filter((x) => !x.success)) {
    const key = `${a.status} ${a.code}`;
    byCode[key] = (byCode[key] ?? 0) + 1;
  }
  const rebuilt = answers.filter((a) => a.sandbox !== undefined && a.sandbox !== 'reused');
  const damaged: string[] = [];
  let kept = 0;
  let unsureApplied = 0;
  for (const session of sessions) {
    const got = await post(
      exam.fleet.url,
      {
        engine: exam.engine,
        room: exam.room,
        sessionId: session.sessionId,
        query: 'SELECT name FROM customers ORDER BY id',
      },
      clientOf(exam, session.student),
    );
    const names = (got.body.results?.[0]?.rows ?? []).map((r) => String(r[0]));
    const written = names.slice(2).map((name) => Number(name.slice(1)));
    const okHeld = session.ok.every((n) => written.includes(n));
    const once = new Set(written).size === written.length;
    const ordered = written.every((n, k) => k === 0 || n > (written[k - 1] as number));
    if (got.body.success !== true || names[0] !== 'Ada' || names[1] !== 'Grace' || !okHeld || !once || !ordered) {
      damaged.push(`${session.sessionId}: ${JSON.stringify(names)} ok=${JSON.stringify(session.ok)}`);
    }
    kept += session.ok.length;
    unsureApplied += written.filter((n) => session.unsure.includes(n)).length;
  }
  return { kept, unsureApplied, byCode, rebuilt, damaged };
}
