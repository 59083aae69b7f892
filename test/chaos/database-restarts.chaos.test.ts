/**
 * Database servers restarting mid-exam (issue 10 item 3), server provisioner. A fleet (1 API, 2 workers,
 * a reaper) on a PostgreSQL and a MariaDB of the script's own; per engine, an exam of 30 students is
 * pre-warmed, each student claims a sandbox and writes 10 rows into the exam's seeded `customers` table,
 * one query after another (`wait: true`). After a third of the answers the engine's server is shut down
 * (PostgreSQL: fast shutdown, every connection cut; MariaDB: SIGTERM) and started again a second later.
 * Queries in flight come back as CONNECTION_LOST or are retried; nothing that still exists is rebuilt;
 * afterwards every session still holds the seed and every write it was told succeeded.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, waitForJob } from '../support/client.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';
import { type PrivateServer, privateMariadb, privatePostgres } from '../support/private-servers.ts';
import { SHOP_DBML } from '../support/schemas.ts';
import { until } from '../support/until.ts';

const STUDENTS = 30;
const WRITES = 10;
const TOKEN = 'chaos-ops-token';

let servers: Record<'postgres' | 'mysql', PrivateServer>;
let fleet: Fleet;
beforeAll(async () => {
  servers = { postgres: await privatePostgres(), mysql: await privateMariadb() };
  fleet = await startFleet({
    workers: 2,
    reaper: true,
    env: {
      PG_ADMIN_URL: servers.postgres.url,
      MYSQL_ADMIN_URL: servers.mysql.url,
      OPS_TOKEN: TOKEN,
      CONNECTION_BUDGET_WORKERS: '2',
      LOG_LEVEL: 'debug',
    },
  });
}, 180_000);
afterAll(async () => {
  await fleet?.stop();
  await Promise.all(Object.values(servers ?? {}).map((server) => server.stop()));
}, 180_000);

interface Answer {
  jobId?: string;
  status: number;
  success: boolean;
  code?: string;
  sandbox?: string;
}

const client = (engine: string, i: number) => ({ 'x-sqlfleet-client': `restart-${engine}-${i}` });

/** A query as a student's editor sends it, read to the end (a 202 past the API's wait is polled). */
async function ask(engine: string, i: number, body: Record<string, unknown>): Promise<Answer & { sessionId?: string }> {
  const sent = await post(fleet.url, { engine, ...body }, client(engine, i));
  let result = sent.body as unknown as Record<string, unknown>;
  if (sent.status === 202) {
    const job = await waitForJob(fleet.url, String(sent.body.jobId), 120_000);
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

describe.each(['postgres', 'mysql'] as const)('the shared %s server restarted mid-exam', (engine) => {
  it('loses no session, rebuilds nothing, and keeps every write that was answered', async () => {
    const room = `restart-${engine}-${Date.now()}`;
    const exam = await fetch(`${fleet.url}/api/exams`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ room, engine, dbml: SHOP_DBML, students: STUDENTS }),
    });
    expect(exam.status).toBe(201);
    await until(
      async () =>
        (await (
          await fetch(`${fleet.url}/api/exams/${room}`, { headers: { authorization: `Bearer ${TOKEN}` } })
        ).json()) as { ready: number },
      (state) => state.ready >= STUDENTS,
      120_000,
    );

    const answers: Answer[] = [];
    let finished = false;
    const sessions: { sessionId: string; ok: number[]; unsure: number[] }[] = [];
    const student = async (i: number) => {
      const first = await ask(engine, i, { room, dbml: SHOP_DBML, query: 'SELECT count(*) FROM customers' });
      expect(first.success, JSON.stringify(first)).toBe(true);
      const session = { sessionId: String(first.sessionId), ok: [] as number[], unsure: [] as number[] };
      sessions.push(session);
      for (let n = 1; n <= WRITES; n++) {
        const answer = await ask(engine, i, {
          room,
          sessionId: session.sessionId,
          query: `INSERT INTO customers (name) VALUES ('w${n}')`,
        });
        answers.push(answer);
        (answer.success ? session.ok : session.unsure).push(n);
        await sleep(100 + Math.random() * 200);
      }
    };
    const restart = (async () => {
      while (answers.length < (STUDENTS * WRITES) / 3 && !finished) await sleep(10);
      const downAt = performance.now();
      await servers[engine].restart(engine === 'postgres' ? 'SIGINT' : 'SIGTERM', 1_000);
      return performance.now() - downAt;
    })();
    const startedAt = performance.now();
    await Promise.all(Array.from({ length: STUDENTS }, (_, i) => student(i))).finally(() => {
      finished = true;
    });
    const downMs = await restart;
    const allMs = performance.now() - startedAt;

    const byCode: Record<string, number> = {};
    for (const a of answers.filter((x) => !x.success)) {
      const key = `${a.status} ${a.code}`;
      byCode[key] = (byCode[key] ?? 0) + 1;
    }
    const rebuilt = answers.filter((a) => a.sandbox !== undefined && a.sandbox !== 'reused');
    const damaged: string[] = [];
    let kept = 0;
    let unsureApplied = 0;
    for (const [i, session] of sessions.entries()) {
      const got = await post(
        fleet.url,
        { engine, room, sessionId: session.sessionId, query: 'SELECT name FROM customers ORDER BY id' },
        client(engine, i),
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

    console.log(
      `${engine} restart: server away ${(downMs / 1000).toFixed(1)} s; ${answers.length} writes answered in ` +
        `${(allMs / 1000).toFixed(1)} s: ${kept} ok, refused or failed by code ${JSON.stringify(byCode)} ` +
        `(${unsureApplied} of those applied all the same); sandboxes rebuilt: ${rebuilt.length}; ` +
        `sessions missing the seed or an answered write: ${damaged.length}`,
    );
    if (damaged.length > 0) console.log(damaged.slice(0, 5).join('\n'));
    // What the fleet logged about each query that did not succeed; the whole log beside it, to read around them.
    const logs = fleet.logs().split('\n');
    if (answers.some((x) => !x.success) || damaged.length > 0) {
      const file = join(tmpdir(), `sqlfleet-restart-${engine}.log`);
      writeFileSync(file, logs.join('\n'));
      console.log(`fleet log: ${file}`);
    }
    for (const a of answers.filter((x) => !x.success).slice(0, 5)) {
      console.log(`${a.code}: ${logs.filter((line) => a.jobId && line.includes(a.jobId)).join('\n')}`);
    }
    expect(rebuilt).toEqual([]);
    expect(damaged).toEqual([]);
    // A failed write is a clear, retryable code: the connection was cut under it, or the server was away.
    for (const key of Object.keys(byCode)) expect(key).toMatch(/^(200 CONNECTION_LOST|503 \w+|200 57P01)$/);
  });

  it('logs no warning over and over: repeats are folded', () => {
    expect(fleet.repeatedWarnings(), fleet.faults()).toEqual([]);
  });
});
