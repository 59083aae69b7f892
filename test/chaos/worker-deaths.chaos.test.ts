/**
 * A worker dying at exam scale (issue 10 item 4): 300 students (each its own client id) open
 * PostgreSQL sessions at once, then each sends 5 INSERTs one after another (`wait: false`). After 500
 * accepted, one of the two workers is SIGKILLed (a replacement starts, as an orchestrator would start
 * one); after 1,000, the other gets SIGTERM (it finishes the query in hand and hands the rest back)
 * and is replaced too. Every accepted query must finish once, in its session's order, with one answer.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, waitForJob } from '../support/client.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';

const STUDENTS = 300;
const WRITES = 5;
const KILL_AT = 500;
const TERM_AT = 1_000;

let fleet: Fleet;
beforeAll(async () => {
  // Two workers at a time share the budget (README: set CONNECTION_BUDGET_WORKERS to the most replicas run).
  fleet = await startFleet({
    workers: 2,
    env: { WORKER_LOCK_MS: '3000', WORKER_CONCURRENCY: '8', CONNECTION_BUDGET: '40', CONNECTION_BUDGET_WORKERS: '2' },
  });
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
}, 180_000);

const client = (i: number) => ({ 'x-sqlfleet-client': `chaos-student-${i}` });

/** The job's stored outcome, as a reconnecting client reads it. */
async function finished(jobId: string): Promise<Record<string, unknown>> {
  return waitForJob(fleet.url, jobId, 240_000);
}

describe(`a worker SIGKILLed and another SIGTERMed while ${STUDENTS} students write`, () => {
  it('loses nothing, runs each write once, keeps each session in order, and gives one answer per query', async () => {
    const startedAt = performance.now();
    const opened = await Promise.all(
      Array.from({ length: STUDENTS }, async (_, i) => {
        const made = await post(
          fleet.url,
          { engine: 'postgres', query: 'CREATE TABLE seen (id serial, n int)' },
          client(i),
        );
        if (made.status === 202) await finished(String(made.body.jobId));
        else expect(made.status, JSON.stringify(made.body)).toBe(200);
        return String(made.body.sessionId);
      }),
    );
    const openedMs = performance.now() - startedAt;

    let accepted = 0;
    const jobs: string[] = [];
    const refused: string[] = [];
    const write = async (sessionId: string, i: number) => {
      for (let n = 1; n <= WRITES; n++) {
        const answer = await post(
          fleet.url,
          { engine: 'postgres', sessionId, wait: false, query: `INSERT INTO seen (n) VALUES (${n})` },
          client(i),
        );
        if (answer.status !== 202) {
          refused.push(`${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
          return;
        }
        accepted++;
        jobs.push(String(answer.body.jobId));
        await sleep(Math.random() * 50); // think time, so the burst spans both faults
      }
    };
    const [killed, terminated] = fleet.workers;
    const faults = (async () => {
      while (accepted < KILL_AT) await sleep(5);
      killed?.kill('SIGKILL');
      fleet.startWorker();
      while (accepted < TERM_AT) await sleep(5);
      const termAt = performance.now();
      terminated?.kill('SIGTERM');
      fleet.startWorker();
      const code = await new Promise<number | null>((resolve) => terminated?.once('exit', resolve));
      return { code, drainMs: performance.now() - termAt };
    })();
    const writesAt = performance.now();
    await Promise.all(opened.map(write));
    const { code, drainMs } = await faults;

    const outcomes = await Promise.all(jobs.map(finished));
    const doneMs = performance.now() - writesAt;
    const reruns: Record<string, number> = {};
    let answeredOk = 0;
    const notOk: Record<string, number> = {};
    for (const outcome of outcomes) {
      const result = outcome.result as { success?: boolean; rerun?: { earlierRun: string } } | undefined;
      if (outcome.state === 'done' && result?.success) answeredOk++;
      else {
        const code = String(
          (outcome.error as { code?: string })?.code ?? (result as { error?: { code?: string } })?.error?.code,
        );
        notOk[`${outcome.state} ${code}`] = (notOk[`${outcome.state} ${code}`] ?? 0) + 1;
      }
      if (result?.rerun) reruns[result.rerun.earlierRun] = (reruns[result.rerun.earlierRun] ?? 0) + 1;
    }
    // A client that reads its answer again gets the same one.
    const readAgain = await Promise.all(jobs.map(finished));
    const changed = readAgain.filter(
      (again, i) => JSON.stringify(again.result) !== JSON.stringify(outcomes[i]?.result),
    );

    const disorder: string[] = [];
    for (const [i, sessionId] of opened.entries()) {
      const read = await post(
        fleet.url,
        { engine: 'postgres', sessionId, query: 'SELECT n FROM seen ORDER BY id' },
        client(i),
      );
      const rows = read.body.results?.[0]?.rows.map((r) => Number(r[0]));
      if (JSON.stringify(rows) !== JSON.stringify([1, 2, 3, 4, 5]))
        disorder.push(`${sessionId}: ${JSON.stringify(rows)}`);
    }

    console.log(
      `worker deaths: ${STUDENTS} sessions opened in ${(openedMs / 1000).toFixed(1)} s; ${accepted} writes accepted, ` +
        `${answeredOk} answered ok, ${accepted - answeredOk} not (${JSON.stringify(notOk)}), ${refused.length} refused; ` +
        `re-runs after the SIGKILL: ${JSON.stringify(reruns)}; sessions out of order or applied twice: ${disorder.length}; ` +
        `answers that changed on a second read: ${changed.length}; SIGTERMed worker exited ${code} after ` +
        `${(drainMs / 1000).toFixed(1)} s; all writes done ${(doneMs / 1000).toFixed(1)} s after the first`,
    );
    if (disorder.length > 0) console.log(`e.g. ${disorder.slice(0, 5).join('; ')}`);
    expect(refused).toEqual([]);
    expect(accepted).toBe(STUDENTS * WRITES);
    expect(answeredOk).toBe(accepted);
    expect(changed).toEqual([]);
    expect(disorder.slice(0, 5)).toEqual([]);
    expect(code).toBe(0);
    expect(reruns.unknown ?? 0).toBe(0);
  });

  it('logs no warning over and over: repeats are folded', () => {
    expect(fleet.repeatedWarnings(), fleet.faults()).toEqual([]);
  });
});
