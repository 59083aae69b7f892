/**
 * `npm run bench [-- --only=queue,engine] [--engines=postgres]`: measures sqlfleet's hot paths
 * against the machine's real Redis, PostgreSQL and MariaDB, prints one table and writes
 * bench/results/latest.json (fields described in bench/results/README.md).
 * Measurement only: nothing here passes or fails on a timing.
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { ENGINE_NAMES } from '@sqlfleet/core';
import { type Fleet, startFleet } from '../test/support/fleet.ts';
import { type PrivateServer, privateMariadb, privatePostgres } from '../test/support/private-servers.ts';
import { since } from './stats.ts';
import { benchEngines } from './suites/engine.ts';
import { benchExamStart, EXAM_START, EXAM_STARTS } from './suites/exam-start.ts';
import { benchFleetQuery } from './suites/fleet-query.ts';
import { benchFloors } from './suites/floors.ts';
import { benchQueue } from './suites/queue.ts';
import { benchSandboxStartup } from './suites/sandbox-startup.ts';
import { type Row, renderTable } from './table.ts';

const SUITES = ['floors', 'queue', 'engine', 'http', 'socket', 'startup', 'exam'] as const;
type Suite = (typeof SUITES)[number];
const FLEET_SUITES: readonly Suite[] = ['http', 'socket', 'startup', 'exam'];

/** A suite still running after this is reported as failed (hung) and the next one starts. */
const SUITE_DEADLINE_MS = 600_000;
/** The exam start builds and removes N sandboxes twice over. */
const EXAM_DEADLINE_MS = 1_800_000;

const USAGE = `usage: npm run bench -- [--only=${SUITES.join(',')}] [--engines=postgres,mysql] [--workers=2] [--worker-concurrency=8] [--students=${EXAM_START.students}] [--exam-engines=postgres] [--exam-starts=${EXAM_STARTS.join(',')}] [--postgres-max-connections=N] [--mysql-max-connections=N]`;

/** Connections of a sized server left to admins, watchdogs and other clients (the rest is the fleet's budget). */
const ADMIN_HEADROOM = 100;

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    engines: { type: 'string', default: 'postgres,mysql' },
    workers: { type: 'string', default: '2' },
    'worker-concurrency': { type: 'string', default: '8' },
    students: { type: 'string', default: String(EXAM_START.students) },
    'exam-engines': { type: 'string', default: 'postgres' },
    'exam-starts': { type: 'string', default: EXAM_STARTS.join(',') },
    // A PostgreSQL of the bench's own sized as an operator would size a shared sandbox server for an
    // exam (one connection per student and some), instead of the machine's (max_connections 100).
    'postgres-max-connections': { type: 'string' },
    // The same for MariaDB (the machine's has max_connections 151).
    'mysql-max-connections': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const only = pick(values.only ?? SUITES.join(','), SUITES, 'suite');
const engines = pick(values.engines, ENGINE_NAMES, 'engine');
const examEngines = pick(values['exam-engines'], ENGINE_NAMES, 'engine');
const examStarts = pick(values['exam-starts'], EXAM_STARTS, 'exam start');
const students = Number(values.students);
const pgMaxConnections = maxConnections('postgres-max-connections');
const mysqlMaxConnections = maxConnections('mysql-max-connections');
const workers = Number(values.workers);
if (!Number.isInteger(workers) || workers < 1) {
  console.error(`--workers must be a positive integer\n${USAGE}`);
  process.exit(2);
}
if (!Number.isInteger(students) || students < 1) {
  console.error(`--students must be a positive integer\n${USAGE}`);
  process.exit(2);
}
/**
 * The fleet the end-to-end suites run on: two workers (`--workers`) at the production concurrency (8).
 * This bench found that 4+ concurrent sandbox ensures (or DELETEs) deadlocked the server
 * admins' pool (fixed in cfb09d7); `--worker-concurrency` lets a run compare settings, and a
 * suite that hangs is reported, not waited on.
 */
const FLEET: { workers: number; env: Record<string, string> } = {
  workers,
  env: {
    WORKER_CONCURRENCY: values['worker-concurrency'],
    WORKER_LOCK_MS: '30000',
    LOG_LEVEL: 'warn',
    // The workers share the shared server's connection budget (each holds its share), as deployed.
    CONNECTION_BUDGET_WORKERS: String(workers),
  },
};

const sizedServers: PrivateServer[] = [];
if (pgMaxConnections !== undefined) {
  // fsync on, as the machine's PostgreSQL runs: only the number of connections differs.
  const server = await privatePostgres([`max_connections=${pgMaxConnections}`, 'shared_buffers=256MB', 'fsync=on']);
  sizedServers.push(server);
  FLEET.env.PG_ADMIN_URL = server.url;
  log(`PostgreSQL of the bench's own on port ${server.port}, max_connections ${pgMaxConnections}`);
}
if (mysqlMaxConnections !== undefined) {
  // Each commit flushed, as the machine's MariaDB does: only the number of connections differs.
  const server = await privateMariadb([
    `--max-connections=${mysqlMaxConnections}`,
    '--innodb-flush-log-at-trx-commit=1',
  ]);
  sizedServers.push(server);
  FLEET.env.MYSQL_ADMIN_URL = server.url;
  log(`MariaDB of the bench's own on port ${server.port}, max_connections ${mysqlMaxConnections}`);
}
const sizedMax = Math.min(pgMaxConnections ?? Infinity, mysqlMaxConnections ?? Infinity);
// One budget for every engine's server: the smaller sized server's, less the admins' headroom.
if (sizedMax !== Infinity) FLEET.env.CONNECTION_BUDGET = String(sizedMax - ADMIN_HEADROOM);

let fleet: Fleet | undefined;
let stopping: Promise<void> | undefined;
const stopFleet = () => {
  stopping ??= (fleet?.stop() ?? Promise.resolve()).finally(() => Promise.all(sizedServers.map((s) => s.stop())));
  return stopping;
};
// Ctrl-C still removes the fleet's processes, databases and keys.
process.once('SIGINT', () => void stopFleet().finally(() => process.exit(130)));

const rows: Row[] = [];
const failures: { suite: Suite; error: string }[] = [];
const started = performance.now();
try {
  for (const suite of SUITES.filter((s) => only.includes(s))) {
    const t = performance.now();
    log(`${suite}…`);
    try {
      if (FLEET_SUITES.includes(suite) && !fleet) {
        fleet = await startFleet(FLEET);
        log(`fleet ${fleet.fleetId} up at ${fleet.url} (${FLEET.workers} workers × ${FLEET.env.WORKER_CONCURRENCY})`);
      }
      rows.push(...(await withDeadline(runSuite(suite), suite === 'exam' ? EXAM_DEADLINE_MS : SUITE_DEADLINE_MS)));
      log(`${suite} done in ${(since(t) / 1000).toFixed(1)} s`);
    } catch (error) {
      // One broken suite must not hide the others' figures.
      const message = error instanceof Error ? error.message : String(error);
      failures.push({ suite, error: message });
      log(`${suite} FAILED after ${(since(t) / 1000).toFixed(1)} s: ${message}`);
      if (FLEET_SUITES.includes(suite)) {
        // A hung fleet would hang the next suite too: start a fresh one.
        await stopFleet();
        fleet = undefined;
        stopping = undefined;
      }
    }
  }
} finally {
  await stopFleet();
}

console.log(renderTable(rows));
const machine = { cpus: availableParallelism(), cpuModel: cpus()[0]?.model, memGiB: totalmem() / 2 ** 30 };
const report = {
  finishedAt: new Date().toISOString(),
  node: process.version,
  machine,
  suites: only,
  engines,
  examEngines,
  students,
  postgresMaxConnections: pgMaxConnections ?? null,
  mysqlMaxConnections: mysqlMaxConnections ?? null,
  fleet: FLEET,
  totalSeconds: since(started) / 1000,
  rows,
  failures,
};
const out = new URL('./results/latest.json', import.meta.url);
await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
for (const { suite, error } of failures) console.log(`FAILED ${suite}: ${error}`);
log(`${rows.length} rows in ${report.totalSeconds.toFixed(0)} s; written to bench/results/latest.json`);
if (failures.length > 0) process.exitCode = 1;

function runSuite(suite: Suite): Promise<Row[]> {
  switch (suite) {
    case 'floors':
      return benchFloors(engines);
    case 'queue':
      return benchQueue();
    case 'engine':
      return benchEngines(engines);
    case 'http':
    case 'socket':
      // Rows go straight into the table: the open loop may overload a busy machine and fail a later case.
      return benchFleetQuery(requireFleet(), engines, suite, (row) => rows.push(row)).then(() => []);
    case 'startup':
      return benchSandboxStartup(requireFleet(), engines);
    case 'exam':
      return (async () => {
        const rows: Row[] = [];
        for (const engine of examEngines)
          rows.push(...(await benchExamStart(requireFleet(), engine, students, examStarts)));
        return rows;
      })();
  }
}

/** A `--*-max-connections` option: undefined when absent; exits with the usage when it leaves admins no headroom. */
function maxConnections(option: 'postgres-max-connections' | 'mysql-max-connections'): number | undefined {
  const value = values[option];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (Number.isInteger(n) && n > ADMIN_HEADROOM) return n;
  console.error(`--${option} must be an integer above ${ADMIN_HEADROOM}\n${USAGE}`);
  process.exit(2);
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s (hung?)`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function requireFleet(): Fleet {
  if (!fleet) throw new Error('the fleet is not running');
  return fleet;
}

function pick<T extends string>(list: string, known: readonly T[], what: string): T[] {
  const names = list
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(known as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    console.error(`unknown ${what}: ${unknown.join(', ') || '(none given)'}\n${USAGE}`);
    process.exit(2);
  }
  return names as T[];
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
