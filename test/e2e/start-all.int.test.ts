/** Issue 10 item 5: under `npm start`, one process dying does not stop the others; it comes back. */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../support/client.ts';
import { dropFleetDatabases } from '../support/databases.ts';
import { freePort, removeFleetKeys } from '../support/fleet.ts';
import { until } from '../support/until.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fleetId = `t${randomBytes(5).toString('hex')}`;
let url: string;
let starter: ChildProcess;
let output = '';

/** The pids start-all announced for an app, oldest first. */
const pidsOf = (app: string): number[] =>
  [...output.matchAll(new RegExp(`sqlfleet: ${app} started \\(pid (\\d+)\\)`, 'g'))].map((m) => Number(m[1]));
const running = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  starter = spawn(process.execPath, ['--import', 'tsx', 'scripts/start-all.ts'], {
    cwd: root,
    env: { ...process.env, FLEET_ID: fleetId, PORT: String(port), LOG_LEVEL: 'warn', WORKER_LOCK_MS: '3000' },
  });
  starter.stdout?.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  starter.stderr?.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  const healthy = await until(
    () =>
      fetch(`${url}/api/health`).then(
        (r) => r.ok,
        () => false,
      ),
    (ok) => ok,
    // Three processes compiling TypeScript at once on a loaded 2-core machine took 87 s once.
    150_000,
  );
  if (!healthy) throw new Error(`npm start did not become healthy:\n${output}`);
}, 180_000);

afterAll(async () => {
  if (starter.exitCode === null) {
    const exited = new Promise((resolve) => starter.once('exit', resolve));
    starter.kill('SIGTERM');
    await exited;
  }
  await dropFleetDatabases(fleetId);
  await removeFleetKeys(fleetId);
}, 60_000);

describe('npm start', () => {
  it('starts a killed worker again while the API and reaper keep running', { timeout: 90_000 }, async () => {
    const [api] = pidsOf('api');
    const [reaper] = pidsOf('reaper');
    const [worker] = pidsOf('worker');
    expect([api, reaper, worker].every((pid) => pid !== undefined && running(pid))).toBe(true);

    process.kill(worker as number, 'SIGKILL');
    const workers = await until(
      async () => pidsOf('worker'),
      (pids) => pids.length === 2,
      30_000,
    );
    expect(workers).toHaveLength(2);
    expect(output).toMatch(/sqlfleet: worker exited \(SIGKILL\); starting it again/);
    // The others were never restarted: the same processes answer.
    expect(pidsOf('api')).toEqual([api]);
    expect(pidsOf('reaper')).toEqual([reaper]);
    expect(running(api as number) && running(reaper as number)).toBe(true);

    const answer = await post(url, { engine: 'postgres', query: 'SELECT 1 AS one' });
    expect(answer.body).toMatchObject({ success: true, results: [{ rows: [[1]] }] });
  });

  it('stops every process on SIGTERM', { timeout: 60_000 }, async () => {
    const last = ['api', 'worker', 'reaper'].map((app) => pidsOf(app).at(-1) as number);
    const exited = new Promise<number | null>((resolve) => starter.once('exit', resolve));
    starter.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(last.filter(running)).toEqual([]);
  });
});
