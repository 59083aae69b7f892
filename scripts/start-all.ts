/**
 * `npm start`: one API, one worker and one reaper against the local Redis, PostgreSQL and
 * MariaDB, with the defaults of docs/configuration.md (override any variable in the environment).
 * A process that dies is started again after a backoff (0.5 s, doubling up to 30 s, back to 0.5 s
 * once it has run a minute) while the others keep running: one crash must not stop an exam.
 * Ctrl-C / SIGTERM stops all three.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const apps = ['api', 'worker', 'reaper'] as const;
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
const STABLE_AFTER_MS = 60_000;

const children = new Map<string, ChildProcess>();
const delays = new Map<string, number>();
const pending = new Set<NodeJS.Timeout>();
let stopping = false;

function start(app: string): void {
  const startedAt = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', `apps/${app}/src/main.ts`], {
    cwd: root,
    stdio: 'inherit',
    env: process.env,
  });
  children.set(app, child);
  console.error(`sqlfleet: ${app} started (pid ${child.pid})`);
  child.on('exit', (code, signal) => {
    children.delete(app);
    if (stopping) {
      if (children.size === 0) process.exit(0);
      return;
    }
    const delay = Date.now() - startedAt > STABLE_AFTER_MS ? FIRST_DELAY_MS : (delays.get(app) ?? FIRST_DELAY_MS);
    delays.set(app, Math.min(delay * 2, MAX_DELAY_MS));
    console.error(`sqlfleet: ${app} exited (${signal ?? code}); starting it again in ${delay} ms`);
    const timer = setTimeout(() => {
      pending.delete(timer);
      start(app);
    }, delay);
    pending.add(timer);
  });
}

function stop(): void {
  if (stopping) return;
  stopping = true;
  for (const timer of pending) clearTimeout(timer);
  if (children.size === 0) process.exit(0);
  for (const child of children.values()) child.kill('SIGTERM');
}

for (const app of apps) start(app);
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
