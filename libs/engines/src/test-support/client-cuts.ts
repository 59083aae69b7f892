import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxTarget } from '@sqlfleet/contracts';

/*
 * The statements an engine's own command-line client sends for a script file, read from the client
 * itself: the reference the splitters are checked against. Statements may fail; only the cuts
 * matter. A missing client is an error, never a skip: CI's machine has both.
 */

const PSQL_QUERY = /^\*{9} QUERY \*{10}\n([\s\S]*?)\n\*{26}\n/gm;

/** What psql sent, from its `-L` log, which frames each query. */
export function psqlStatements(target: SandboxTarget, file: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'psql-cuts-'));
  try {
    const log = join(dir, 'queries.log');
    const args = ['-X', '-q', '-v', 'ON_ERROR_STOP=0', '-L', log, '-o', '/dev/null', '-f', file];
    run('psql', [...args, '-h', target.host, '-p', String(target.port), '-U', target.user, '-d', target.database], {
      PGPASSWORD: target.password,
      PGCLIENTENCODING: 'UTF8',
    });
    return [...readFileSync(log, 'utf8').matchAll(PSQL_QUERY)].map((m) => m[1] as string);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const MARIADB_FRAME = '--------------';

/**
 * What the mariadb client sent, from `-vvv`, which echoes each statement between two dashed lines
 * before its result. Run as a student would: the script on stdin, comments stripped (the default).
 */
export function mariadbStatements(target: SandboxTarget, file: string): string[] {
  const args = ['--force', '-vvv', '--default-character-set=utf8mb4', '-h', target.host, '-P', String(target.port)];
  const out = run('mariadb', [...args, '-u', target.user, target.database], { MYSQL_PWD: target.password }, file);
  const statements: string[] = [];
  let current: string[] | undefined;
  let expectStart = true;
  for (const line of out.split('\n')) {
    if (line !== MARIADB_FRAME) {
      current?.push(line);
      continue;
    }
    if (expectStart) current = [];
    else if (current) {
      statements.push(current.join('\n'));
      current = undefined;
    }
    expectStart = !expectStart;
  }
  return statements;
}

function run(client: string, args: string[], env: Record<string, string>, stdinFile?: string): string {
  const input = stdinFile === undefined ? undefined : readFileSync(stdinFile);
  const result = spawnSync(client, args, {
    input,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing
        ? `${client} is not installed: the differential splitter test needs the engine's own client`
        : `${client} failed to run: ${result.error.message}`,
    );
  }
  // Failed statements are expected; a client that could not connect or start is not.
  if (result.status === 2 || (client === 'mariadb' && result.status !== 0 && result.stdout === '')) {
    throw new Error(`${client} exited with ${result.status}: ${result.stderr}`);
  }
  return result.stdout;
}
