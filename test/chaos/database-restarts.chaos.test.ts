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
import { type ExamWrites, judgeWrites, registerExam, type WriteAnswer, writeAll } from '../support/exam-writes.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';
import { type PrivateServer, privateMariadb, privatePostgres } from '../support/private-servers.ts';

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

describe.each(['postgres', 'mysql'] as const)('the shared %s server restarted mid-exam', (engine) => {
  it('loses no session, rebuilds nothing, and keeps every write that was answered', async () => {
    const exam: ExamWrites = {
      fleet,
      engine,
      room: `restart-${engine}-${Date.now()}`,
      token: TOKEN,
      students: STUDENTS,
      writes: WRITES,
    };
    await registerExam(exam);

    const answers: WriteAnswer[] = [];
    let finished = false;
    const restart = (async () => {
      while (answers.length < (STUDENTS * WRITES) / 3 && !finished) await sleep(10);
      const downAt = performance.now();
      await servers[engine].restart(engine === 'postgres' ? 'SIGINT' : 'SIGTERM', 1_000);
      return performance.now() - downAt;
    })();
    const startedAt = performance.now();
    const { sessions, firstAnswers } = await writeAll(exam, answers).finally(() => {
      finished = true;
    });
    const downMs = await restart;
    const allMs = performance.now() - startedAt;
    expect(firstAnswers.filter((a) => !a.success)).toEqual([]);
    const { kept, unsureApplied, byCode, rebuilt, damaged } = await judgeWrites(exam, sessions, answers);

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
