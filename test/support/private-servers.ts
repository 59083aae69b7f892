import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

/**
 * Servers of a test's own, on a free loopback port and a temporary directory, for fault tests that
 * kill or restart them (the machine's shared servers are never touched). Each one stops itself when
 * the test's `stop()` runs; a killed one is restarted on the same port and directory.
 */
export interface PrivateServer {
  port: number;
  url: string;
  /** SIGKILL: the server dies with whatever it had in memory. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Shuts it down with `signal` (PostgreSQL: SIGINT is a fast shutdown), waits `downMs`, starts it again. */
  restart(signal: NodeJS.Signals, downMs: number): Promise<void>;
  /** Stops it and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

const run = promisify(execFile);

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start within ${timeoutMs} ms`);
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A server process owned by the test: start, SIGKILL, start again, stop. */
function privateServer(
  port: number,
  url: string,
  dir: string,
  launch: () => ChildProcess,
  ready: () => Promise<boolean>,
  name: string,
): PrivateServer {
  let child: ChildProcess | undefined;
  let stopped = false;
  const end = async (signal: NodeJS.Signals) => {
    if (!child) return;
    child.kill(signal);
    await exited(child);
    child = undefined;
  };
  return {
    port,
    url,
    async start() {
      child = launch();
      child.on('error', () => undefined);
      await waitFor(ready, name);
    },
    kill: () => end('SIGKILL'),
    async restart(signal, downMs) {
      await end(signal);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await this.start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child) {
        child.kill('SIGTERM');
        const done = exited(child);
        const late = setTimeout(() => child?.kill('SIGKILL'), 10_000);
        await done;
        clearTimeout(late);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * redis-server with an append-only file fsynced on every write, as the README asks for production.
 * With `password`, clients (and a replica, of its primary) must give it.
 */
export async function privateRedis(extraArgs: string[] = [], password?: string): Promise<PrivateServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sqlfleet-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  args.push('--appendonly', 'yes', '--appendfsync', 'always');
  if (password) args.push('--requirepass', password, '--masterauth', password);
  args.push(...extraArgs);
  const ping = async () => (await redisCli(port, password, ['ping'])) === 'PONG';
  const url = `redis://${password ? `:${encodeURIComponent(password)}@` : ''}127.0.0.1:${port}`;
  const server = privateServer(port, url, dir, () => spawn('redis-server', args, { stdio: 'ignore' }), ping, 'redis');
  await server.start();
  return server;
}

/** redis-cli's answer, trimmed (one line per element of an array reply). */
export async function redisCli(port: number, password: string | undefined, command: string[]): Promise<string> {
  const auth = password ? ['-a', password, '--no-auth-warning'] : [];
  return (await run('redis-cli', ['-p', String(port), ...auth, ...command])).stdout.trim();
}

export interface MonitoredPrimary {
  /** The name the sentinel knows it by. */
  name: string;
  port: number;
  password?: string;
}

/**
 * A Redis Sentinel watching `primary`, quick to act: down after 1 s without an answer, 2 sentinels
 * agreeing (quorum). Sentinel rewrites its configuration file as it learns, so the file is its own.
 */
export async function privateSentinel(primary: MonitoredPrimary, password?: string): Promise<PrivateServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sqlfleet-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  const lines = [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir ${dir}`,
    `sentinel monitor ${primary.name} 127.0.0.1 ${primary.port} 2`,
    `sentinel down-after-milliseconds ${primary.name} 1000`,
    `sentinel failover-timeout ${primary.name} 5000`,
    `sentinel parallel-syncs ${primary.name} 1`,
  ];
  if (primary.password) lines.push(`sentinel auth-pass ${primary.name} ${primary.password}`);
  if (password) lines.push(`requirepass ${password}`);
  writeFileSync(conf, `${lines.join('\n')}\n`);
  const knowsPrimary = async () =>
    (await redisCli(port, password, ['SENTINEL', 'get-master-addr-by-name', primary.name])).includes('127.0.0.1');
  const server = privateServer(
    port,
    `redis://127.0.0.1:${port}`,
    dir,
    () => spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }),
    knowsPrimary,
    'sentinel',
  );
  await server.start();
  return server;
}

const PG_BIN = '/usr/lib/postgresql/15/bin';
/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user. */
const asPostgres = (cmd: string, args: string[]): [string, string[]] =>
  process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  return { uid: await id('-u'), gid: await id('-g') };
}

/** A PostgreSQL 15 cluster of the test's own (trust on loopback, fsync off: nothing here must outlive the test). */
export async function privatePostgres(settings: string[] = []): Promise<PrivateServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sqlfleet-pg-'));
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(stdout.trim()));
  }
  const data = join(dir, 'data');
  await run(...asPostgres(`${PG_BIN}/initdb`, ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']));
  const opts = ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', dir, '-c', 'fsync=off'];
  for (const s of settings) opts.push('-c', s);
  const ready = async () => {
    await run(`${PG_BIN}/pg_isready`, ['-h', '127.0.0.1', '-p', String(port), '-q']);
    return true;
  };
  // The server itself is the child (not runuser): a signal sent to it must reach the postmaster.
  const owner = process.getuid?.() === 0 ? await postgresUser() : {};
  const server = privateServer(
    port,
    `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    () => spawn(`${PG_BIN}/postgres`, opts, { stdio: 'ignore', ...owner }),
    ready,
    'postgres',
  );
  await server.start();
  return server;
}

/** A MariaDB server of the test's own: root without a password on loopback, no anonymous users. */
export async function privateMariadb(options: string[] = []): Promise<PrivateServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sqlfleet-mariadb-'));
  const data = join(dir, 'data');
  await run('mariadb-install-db', [
    '--no-defaults',
    `--datadir=${data}`,
    '--user=root',
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
  ]);
  const args = ['--no-defaults', `--datadir=${data}`, `--port=${port}`, '--bind-address=127.0.0.1'];
  args.push(`--socket=${join(dir, 'sock')}`, '--user=root', '--skip-log-bin', '--innodb-flush-log-at-trx-commit=2');
  const client = ['-h', '127.0.0.1', '-P', String(port), '-u', 'root'];
  const ready = async () => {
    await run('mariadb', [...client, '-e', 'SELECT 1']);
    return true;
  };
  const server = privateServer(
    port,
    `mysql://root@127.0.0.1:${port}/mysql`,
    dir,
    () => spawn('mariadbd', [...args, ...options], { stdio: 'ignore' }),
    ready,
    'mariadb',
  );
  await server.start();
  // install-db makes anonymous ''@'localhost' accounts, which shadow a sandbox login connecting locally.
  await run('mariadb', [...client, '-e', "DELETE FROM mysql.global_priv WHERE User = ''; FLUSH PRIVILEGES"]);
  return server;
}
