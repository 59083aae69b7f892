/**
 * `npm run bench:docker-exam [-- --sizes=50,100,200] [--engine=postgres] [--claims=10]`: how many
 * pre-warmed sandbox containers this machine holds, through a real fleet on the docker provisioner
 * (Podman's Docker API at DOCKER_HOST). For each size: register an exam of that many students, time
 * it to ready, read each container's memory from the container API's stats, then time new sessions'
 * first answers one at a time, claimed from the exam and built cold. It stops at a size that does not
 * get ready in time or leaves too little memory, and removes every container it made. Measurement only.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { EngineName } from '@sqlfleet/core';
import { container, fleetContainers, PODMAN_HOST, removeFleetContainers } from '../test/support/containers.ts';
import { type Fleet, startFleet } from '../test/support/fleet.ts';
import { EXAM_CHECK, EXAM_DBML } from './schemas.ts';
import { since, summarize } from './stats.ts';
import { Student } from './student.ts';
import { type Row, renderTable } from './table.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '50,100,200' },
    engine: { type: 'string', default: 'postgres' },
    claims: { type: 'string', default: '10' },
    /** Fleet-wide builds at once: fill jobs per exam; each worker runs at most `prewarm-concurrency`. */
    jobs: { type: 'string', default: '2' },
    'prewarm-concurrency': { type: 'string', default: '1' },
    /** A size whose pre-warm takes longer than this is the last one tried. */
    'ready-minutes': { type: 'string', default: '10' },
    /** Stop before a size that would leave less than this much memory available (MemAvailable). */
    'floor-gib': { type: 'string', default: '3' },
  },
});
const sizes = (values.sizes ?? '').split(',').map(Number);
const engine = values.engine as EngineName;
const claims = Number(values.claims);
const readyMs = Number(values['ready-minutes']) * 60_000;
const floorMiB = Number(values['floor-gib']) * 1024;

/** Podman's cgroupfs parent: one cgroup per container, and one holding every container's conmon. */
const CGROUP = '/sys/fs/cgroup/memory/libpod_parent';

const fleet: Fleet = await startFleet({
  workers: 2,
  env: {
    SANDBOX_PROVISIONER: 'docker',
    DOCKER_HOST: PODMAN_HOST,
    ENGINES: engine,
    EXAM_HEADROOM_PERCENT: '0',
    EXAM_PREWARM_JOBS: values.jobs ?? '2',
    EXAM_PREWARM_CONCURRENCY: values['prewarm-concurrency'] ?? '1',
    WORKER_LOCK_MS: '30000',
    SANDBOX_READINESS_MS: '120000',
  },
});
log(`fleet ${fleet.fleetId}: 2 workers, docker provisioner (${PODMAN_HOST}), ${engine}`);
const rows: Row[] = [];
const capacity: Record<string, unknown>[] = [];
try {
  for (const size of sizes) {
    const available = await memAvailableMiB();
    // What the host gave up per container last time (page cache is reclaimable, so not the cgroup's usage).
    const perContainer = Math.max(30, Number(capacity.at(-1)?.hostMiBPerContainer ?? 30));
    if (available - size * perContainer < floorMiB) {
      log(`stopping before ${size}: ${available.toFixed(0)} MiB available, ~${perContainer.toFixed(0)} MiB each`);
      break;
    }
    const fits = await measureSize(size);
    if (!fits) break;
  }
} catch (error) {
  log(
    `failed: ${error instanceof Error ? error.message : String(error)}; the fleet's last output:\n${fleet.logs().slice(-4000)}`,
  );
  process.exitCode = 1;
} finally {
  await fleet.stop();
  await removeFleetContainers(fleet.fleetId);
  const left = await fleetContainers(fleet.fleetId);
  log(`clean-up: ${left.length} containers of ${fleet.fleetId} left`);
}

console.log(renderTable(rows));
const report = {
  finishedAt: new Date().toISOString(),
  machine: { cpus: availableParallelism(), memGiB: totalmem() / 2 ** 30 },
  engine,
  fleetWideBuildsAtOnce: Number(values.jobs),
  capacity,
  rows,
};
await writeFile(new URL('./results/docker-exam.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);

/** One exam of `size` students: false when it did not get ready in time (no bigger size is tried). */
async function measureSize(size: number): Promise<boolean> {
  const room = `bench-${randomBytes(4).toString('hex')}`;
  const memBefore = await memAvailableMiB();
  const conmonBefore = await conmonMiB();
  const started = performance.now();
  await exams('POST', '', { room, engine, dbml: EXAM_DBML, students: size });
  const students: Student[] = [];
  try {
    let ready = 0;
    let peakLoad = 0;
    while (since(started) < readyMs) {
      ready = Number((await exams('GET', `/${room}`)).ready ?? 0);
      peakLoad = Math.max(peakLoad, loadavg()[0] ?? 0);
      if (ready >= size) break;
      await sleep(1_000);
    }
    const toReady = since(started);
    // Let the builders' connections idle out so the figures are of resting containers.
    await sleep(5_000);
    const memAfter = await memAvailableMiB();
    const mem = await containerMemoryMiB(room);
    const conmonEach = ((await conmonMiB()) - conmonBefore) / Math.max(1, ready);
    const summary = summarize(mem.map((m) => m.usage));
    const rss = summarize(mem.flatMap((m) => (m.rss === undefined ? [] : [m.rss])));
    const cache = summarize(mem.flatMap((m) => (m.cache === undefined ? [] : [m.cache])));
    const hostMiBPerContainer = (memBefore - memAfter) / Math.max(1, ready);
    capacity.push({
      size,
      ready,
      toReadyS: toReady / 1000,
      usageMiB: summary,
      rssMiB: rss,
      cacheMiB: cache,
      conmonMiBEach: conmonEach,
      hostMiBPerContainer,
      peakLoad,
    });
    rows.push({
      suite: 'docker-exam',
      case: `${engine} pre-warm ${size} seeded containers`,
      summary: {
        n: ready,
        p50: Number.NaN,
        p95: Number.NaN,
        p99: Number.NaN,
        max: toReady,
        perSecond: (ready / toReady) * 1000,
      },
      note: `${ready} ready in ${(toReady / 1000).toFixed(0)} s; 1-min load peaked at ${peakLoad.toFixed(1)}`,
    });
    rows.push({
      suite: 'docker-exam',
      case: `${engine} memory per container, ${ready} running (cgroup, MiB)`,
      summary: { ...summary, perSecond: Number.NaN },
      note: `of which resident p50 ${rss.p50.toFixed(1)}, page cache p50 ${cache.p50.toFixed(1)}; conmon ${conmonEach.toFixed(1)} MiB each; host MemAvailable fell ${(memBefore - memAfter).toFixed(0)} MiB (shared machine: others count too)`,
    });
    log(`${size}: ${ready} ready in ${(toReady / 1000).toFixed(0)} s, container p50 ${summary.p50.toFixed(1)} MiB`);
    if (ready < size) return false;

    // A student's first answer: claimed from the exam, then built cold (no exam), one at a time.
    for (const claimed of [true, false]) {
      const samples: number[] = [];
      for (let i = 0; i < claims; i++) {
        const student = new Student(fleet.url, engine, claimed ? room : undefined);
        students.push(student);
        const t = performance.now();
        await student.post(EXAM_CHECK.query, EXAM_DBML);
        samples.push(since(t));
      }
      rows.push({
        suite: 'docker-exam',
        case: `${engine} first answer of a new session beside ${ready} containers: ${claimed ? 'claimed' : 'cold'}`,
        summary: summarize(samples),
        note: 'one at a time, HTTP wait:true',
      });
    }
    return true;
  } finally {
    await Student.leaveAll(students);
    const deleting = performance.now();
    await exams('DELETE', `/${room}`);
    const deleteS = since(deleting) / 1000;
    const gone = performance.now();
    while ((await fleetContainers(fleet.fleetId)).length > 0 && since(gone) < 300_000) await sleep(1_000);
    log(
      `${size}: DELETE /api/exams answered in ${deleteS.toFixed(0)} s, containers gone ${(since(gone) / 1000).toFixed(0)} s later`,
    );
    const last = capacity.at(-1);
    if (last?.size === size) last.deleteS = deleteS;
  }
}

async function exams(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${fleet.url}/api/exams${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 400) throw new Error(`${method} /api/exams${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

interface ContainerMemory {
  /** What the container API's one-shot stats report (its cgroup's usage: resident plus page cache). */
  usage: number;
  /** From the cgroup's memory.stat (cgroup v1, Podman's cgroupfs manager), when this host exposes it. */
  rss?: number;
  cache?: number;
}

/** Each of the room's containers' memory, in MiB. */
async function containerMemoryMiB(room: string): Promise<ContainerMemory[]> {
  const ids = (await fleetContainers(fleet.fleetId)).filter((c) => c.Labels['sqlfleet.exam'] === room).map((c) => c.Id);
  const out: ContainerMemory[] = [];
  for (let i = 0; i < ids.length; i += 8) {
    const batch = await Promise.all(
      ids.slice(i, i + 8).map(async (id) => {
        const stats = (await container(id).stats({ stream: false })) as { memory_stats?: { usage?: number } };
        const stat = await readFile(`${CGROUP}/libpod-${id}/memory.stat`, 'utf8').catch(() => '');
        const field = (name: string) => {
          const bytes = new RegExp(`^${name} (\\d+)$`, 'm').exec(stat)?.[1];
          return bytes === undefined ? undefined : Number(bytes) / 2 ** 20;
        };
        const usage = (stats.memory_stats?.usage ?? Number.NaN) / 2 ** 20;
        const rss = field('total_rss');
        const cache = field('total_cache');
        return { usage, ...(rss === undefined ? {} : { rss }), ...(cache === undefined ? {} : { cache }) };
      }),
    );
    out.push(...batch);
  }
  return out;
}

/** MiB the conmon processes (one per container) use together; NaN where the cgroup is not readable. */
async function conmonMiB(): Promise<number> {
  const bytes = await readFile(`${CGROUP}/conmon/memory.usage_in_bytes`, 'utf8').catch(() => 'NaN');
  return Number(bytes.trim()) / 2 ** 20;
}

async function memAvailableMiB(): Promise<number> {
  const kb = /^MemAvailable:\s+(\d+) kB/m.exec(await readFile('/proc/meminfo', 'utf8'))?.[1];
  return Number(kb) / 1024;
}

function log(message: string): void {
  console.error(`[docker-exam ${new Date().toISOString().slice(11, 19)}] ${message}`);
}
