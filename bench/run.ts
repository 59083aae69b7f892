/**
 * `npm run bench [-- --only=queue,engine] [--engines=postgres]`: measures sqlfleet's hot paths
 * against the machine's real Redis, PostgreSQL and MariaDB, prints one table and writes
 * bench/results/latest.json (fields described in bench/results/README.md).
 * Measurement only: nothing here passes or fails on a timing.
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { ENGINE_NAMES, type EngineName } from '@sqlfleet/core';
import { type Fleet, startFleet } from '../test/support/fleet.ts';
import { since } from './stats.ts';
import { benchEngines } from './suites/engine.ts';
import { benchFleetQuery } from './suites/fleet-query.ts';
import { benchQueue } from './suites/queue.ts';
import { benchSandboxStartup } from './suites/sandbox-startup.ts';
import { type Row, renderTable } from './table.ts';

const SUITES = ['queue', 'engine', 'http', 'socket', 'startup'] as const;
type Suite = (typeof SUITES)[number];
const FLEET_SUITES: readonly Suite[] = ['http', 'socket', 'startup'];

/** The fleet the end-to-end suites run on: the production worker concurrency, two workers. */
const FLEET = { workers: 2, env: { WORKER_CONCURRENCY: '8', LOG_LEVEL: 'warn' } };

const USAGE = `usage: npm run bench -- [--only=${SUITES.join(',')}] [--engines=postgres,mysql]`;

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    engines: { type: 'string', default: 'postgres,mysql' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const only = pick(values.only ?? SUITES.join(','), SUITES, 'suite');
const engines = pick(values.engines, ENGINE_NAMES, 'engine');

let fleet: Fleet | undefined;
let stopping: Promise<void> | undefined;
const stopFleet = () => {
  stopping ??= fleet?.stop() ?? Promise.resolve();
  return stopping;
};
// Ctrl-C still removes the fleet's processes, databases and keys.
process.once('SIGINT', () => void stopFleet().finally(() => process.exit(130)));

const rows: Row[] = [];
const started = performance.now();
try {
  for (const suite of SUITES.filter((s) => only.includes(s))) {
    const t = performance.now();
    log(`${suite}…`);
    if (FLEET_SUITES.includes(suite) && !fleet) {
      fleet = await startFleet(FLEET);
      log(`fleet ${fleet.fleetId} up at ${fleet.url} (${FLEET.workers} workers × ${FLEET.env.WORKER_CONCURRENCY})`);
    }
    rows.push(...(await runSuite(suite)));
    log(`${suite} done in ${(since(t) / 1000).toFixed(1)} s`);
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
  fleet: FLEET,
  totalSeconds: since(started) / 1000,
  rows,
};
const out = new URL('./results/latest.json', import.meta.url);
await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
log(`${rows.length} rows in ${report.totalSeconds.toFixed(0)} s; written to bench/results/latest.json`);

function runSuite(suite: Suite): Promise<Row[]> {
  switch (suite) {
    case 'queue':
      return benchQueue();
    case 'engine':
      return benchEngines(engines);
    case 'http':
    case 'socket':
      return benchFleetQuery(requireFleet(), engines, suite);
    case 'startup':
      return benchSandboxStartup(requireFleet(), engines);
  }
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
