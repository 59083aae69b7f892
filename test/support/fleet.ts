/**
 * Starts a real fleet (API, workers, reaper as separate Node processes) against the machine's
 * Redis, PostgreSQL and MariaDB, under a fleet id of its own so tests never share keys,
 * databases or logins. `stop()` shuts it down and removes everything the fleet made.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createLogger, loadConfig } from '@sqlfleet/core';
import { closeRedis, connectRedis, isRedisDown } from '@sqlfleet/queue';
import { dropFleetDatabases } from './databases.ts';
import { freePort } from './free-port.ts';
import { WarningTally } from './warning-tally.ts';

export { freePort };

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface FleetOptions {
  /** API replicas, each on its own port; `url` is the first. */
  apis?: number;
  workers?: number;
  reaper?: boolean;
  env?: Record<string, string>;
  /** Environment of the workers only, over `env` (e.g. `ENGINES`: which engines they serve). */
  workerEnv?: Record<string, string>;
}

export interface Fleet {
  url: string;
  urls: string[];
  fleetId: string;
  workers: ChildProcess[];
  /** Another worker, with `env` over the fleet's workers' environment. */
  startWorker(env?: Record<string, string>): ChildProcess;
  stop(): Promise<void>;
  /** Output of every process, for a failing test's message. */
  logs(): string;
  /** The fleet's own warnings and errors, the last 60 (start-up notices about the shared servers left out). */
  faults(): string;
  /** Warnings some process logged more than `limit` times within 10 s (a repeat the fleet does not fold). */
  repeatedWarnings(limit?: number): string[];
}

export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
  const fleetId = `t${randomBytes(5).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FLEET_ID: fleetId,
    LOG_LEVEL: 'warn',
    WORKER_LOCK_MS: '4000',
    WORKER_CONCURRENCY: '4',
    RATE_LIMIT_PER_MINUTE: '100000',
    // As deployed (README): the workers share the server's budget instead of each taking all of it, so
    // two fleets of the suite at once do not run PostgreSQL out of slots.
    CONNECTION_BUDGET_WORKERS: String(Math.max(1, options.workers ?? 1)),
    ...options.env,
  };
  const output: string[] = [];
  const processes: ChildProcess[] = [];
  const warnings = new WarningTally();
  const start = (app: string, extraEnv: Record<string, string> = {}): ChildProcess => {
    const child = spawn(process.execPath, ['--import', 'tsx', `apps/${app}/src/main.ts`], {
      cwd: root,
      env: { ...env, ...extraEnv },
    });
    const name = `${app}#${processes.length + 1}`;
    child.stdout?.on('data', (chunk: Buffer) => {
      output.push(`[${app}] ${chunk}`);
      warnings.feed(name, chunk.toString());
    });
    child.stderr?.on('data', (chunk: Buffer) => output.push(`[${app}!] ${chunk}`));
    processes.push(child);
    return child;
  };
  const urls: string[] = [];
  for (let i = 0; i < (options.apis ?? 1); i++) {
    const port = await freePort();
    start('api', { PORT: String(port) });
    urls.push(`http://127.0.0.1:${port}`);
  }
  const workers = Array.from({ length: options.workers ?? 1 }, () => start('worker', options.workerEnv));
  if (options.reaper) start('reaper');
  try {
    for (const url of urls) await waitHealthy(url, () => output.join(''));
  } catch (error) {
    // A fleet that never became healthy is still running: stop it, or it outlives the test run.
    await Promise.all(processes.map(stopProcess));
    // The health error says why the fleet failed: a cleanup failure (its Redis gone) must not hide it.
    await removeFleetKeys(fleetId, env).catch(() => undefined);
    throw error;
  }

  return {
    url: urls[0] ?? '',
    urls,
    fleetId,
    workers,
    startWorker: (extraEnv = {}) => {
      const worker = start('worker', { ...options.workerEnv, ...extraEnv });
      workers.push(worker);
      return worker;
    },
    logs: () => output.join(''),
    faults: () =>
      output
        .join('')
        .split('\n')
        .filter((line) => /"level":(40|50|60)/.test(line) && !line.includes('shared server'))
        .map((line) => line.slice(0, 400))
        .slice(-60)
        .join('\n'),
    repeatedWarnings: (limit = 5) => warnings.over(limit),
    async stop() {
      await Promise.all(processes.map(stopProcess));
      await dropFleetDatabases(fleetId);
      await removeFleetKeys(fleetId, env);
    },
  };
}

async function waitHealthy(url: string, logs: () => string): Promise<void> {
  const giveUpAt = Date.now() + 60_000;
  while (Date.now() < giveUpAt) {
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`fleet did not become healthy:\n${logs()}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Removes the fleet's keys from the Redis its processes were given (REDIS_URL or REDIS_SENTINELS in `env`). */
export async function removeFleetKeys(fleetId: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // A test may have killed its fleet's Redis (a private one, gone with its keys): give up on it after a few
  // tries rather than wait for it forever.
  const redis = connectRedis(loadConfig(env).redis, createLogger({ name: 'fleet', level: 'silent' }), {
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => (attempt > 3 ? null : 200),
  });
  try {
    for (const pattern of [`${fleetId}:*`, `bull:${fleetId}-*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    }
  } catch (error) {
    if (!isRedisDown(error)) throw error;
  } finally {
    await closeRedis(redis);
  }
}
