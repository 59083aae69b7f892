/**
 * `npm start`: one API, one worker and one reaper against the local Redis, PostgreSQL and
 * MariaDB, with the defaults of docs/configuration.md (override any variable in the environment).
 * Stops all three when one exits or on Ctrl-C / SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const apps = ['api', 'worker', 'reaper'] as const;
const children = new Map<string, ChildProcess>();
let stopping = false;

for (const app of apps) {
  const child = spawn(process.execPath, ['--import', 'tsx', `apps/${app}/src/main.ts`], {
    cwd: root,
    stdio: 'inherit',
    env: process.env,
  });
  children.set(app, child);
  child.on('exit', (code, signal) => {
    children.delete(app);
    if (!stopping) {
      console.error(`sqlfleet: ${app} exited (${signal ?? code}); stopping the others`);
      stop(code ?? 1);
    }
    if (children.size === 0) process.exit(process.exitCode ?? 0);
  });
}

function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  for (const child of children.values()) child.kill('SIGTERM');
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
