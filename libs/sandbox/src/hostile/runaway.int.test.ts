/**
 * Issue 10 item 7: the time limit cannot be switched off from inside. Whatever the student did
 * first (shadowed the cancel functions, changed their role's search_path or their own password,
 * switched the server-side limits off, caught the cancel), a runaway statement is gone from the
 * server shortly after its limit, as an admin connection sees it. Built the way the apps build it
 * (createSandboxRuntime from the configuration), so the watchdog's admin login is wired as deployed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SandboxTarget } from '@sqlfleet/contracts';
import { createLogger, type EngineName, loadConfig } from '@sqlfleet/core';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCKER_HOST, docker, dockerAvailable, removeFleet } from '../docker/test-support.ts';
import { createSandboxRuntime, type SandboxRuntime } from '../sandbox-runtime.ts';

let runtime: SandboxRuntime;
const pgAdmin = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres', max: 2 });
pgAdmin.on('error', () => undefined);
const mysqlAdmin = mysql.createPool({ host: '127.0.0.1', port: 3306, user: 'root', connectionLimit: 2 });

beforeAll(async () => {
  const config = loadConfig({ FLEET_ID: `t${randomBytes(5).toString('hex')}`, ENGINES: 'postgres,mysql' });
  runtime = await createSandboxRuntime({ config, logger: createLogger({ name: 'test', level: 'silent' }) });
});
afterAll(async () => {
  for (const provisioner of new Set(runtime.provisioners.values())) {
    for (const ref of await provisioner.list()) await provisioner.destroy(ref);
  }
  await runtime.close();
  await pgAdmin.end();
  await mysqlAdmin.end();
});

async function sandbox(engine: EngineName): Promise<SandboxTarget> {
  const provisioner = runtime.provisioners.get(engine);
  if (!provisioner) throw new Error(`no ${engine} provisioner`);
  const spec = { sessionId: randomUUID(), engine, fingerprint: 'runaway', batches: ['CREATE TABLE t (n int)'] };
  return (await provisioner.ensure(spec)).sandbox.target;
}

const run = (target: SandboxTarget, sql: string, timeoutMs = 5_000) =>
  runtime.engines.get(target.engine)?.execute(target, sql, { timeoutMs, maxRows: 100, maxBytes: 100_000 });

/** What the server still runs for the sandbox login, as its admin sees it, polled for a while: a runaway stays listed. */
async function stillRunning(target: SandboxTarget, admin?: mysql.Pool): Promise<unknown[]> {
  const look = async (): Promise<unknown[]> => {
    if (target.engine === 'postgres') {
      const { rows } = await pgAdmin.query(
        "SELECT pid, query FROM pg_stat_activity WHERE usename = $1 AND state <> 'idle'",
        [target.user],
      );
      return rows;
    }
    const [rows] = await (admin ?? mysqlAdmin).query(
      "SELECT ID, INFO FROM information_schema.PROCESSLIST WHERE USER = ? AND COMMAND <> 'Sleep'",
      [target.user],
    );
    return rows as unknown[];
  };
  // Generous: "shortly after its limit", not a timing assertion.
  for (let i = 0; i < 50; i++) {
    const rows = await look();
    if (rows.length === 0) return rows;
    await sleep(200);
  }
  return look();
}

const SPIN = `DELIMITER //
CREATE PROCEDURE spin() BEGIN
  DECLARE CONTINUE HANDLER FOR SQLEXCEPTION BEGIN END;
  WHILE 1 DO SELECT SLEEP(0.2) INTO @x; END WHILE;
END//
DELIMITER ;`;

describe('a PostgreSQL runaway', () => {
  const LOOP = 'SET statement_timeout = 0; DO $$ BEGIN LOOP PERFORM 1; END LOOP; END $$';
  // statement_timeout and pg_cancel_backend both raise query_canceled, which PL/pgSQL can catch:
  // only ending the backend stops this.
  const CATCHING =
    'DO $$ BEGIN LOOP BEGIN PERFORM pg_sleep(0.2); EXCEPTION WHEN query_canceled THEN NULL; END; END LOOP; END $$';
  it.each([
    ['the server-side limit switched off', [], LOOP],
    [
      'pg_cancel_backend, pg_terminate_backend and = shadowed, public first on its role’s search_path, its password changed, the cancel caught',
      [
        `CREATE FUNCTION public.pg_cancel_backend(integer) RETURNS boolean LANGUAGE sql AS 'SELECT true'`,
        `CREATE FUNCTION public.pg_terminate_backend(integer, bigint DEFAULT 0) RETURNS boolean LANGUAGE sql AS 'SELECT true'`,
        `CREATE OPERATOR public.= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = int4ne)`,
        'ALTER ROLE CURRENT_USER SET search_path = public, pg_catalog',
        "ALTER ROLE CURRENT_USER PASSWORD 'locked-out'",
      ],
      `SET search_path = public, pg_catalog; ${CATCHING}`,
    ],
    ['the cancel caught in PL/pgSQL (EXCEPTION WHEN query_canceled, in a loop)', [], CATCHING],
  ])('is gone from the server after its limit: %s', { timeout: 30_000 }, async (_name, before, runaway) => {
    const target = await sandbox('postgres');
    for (const sql of before) expect(await run(target, sql), sql).toMatchObject({ kind: 'ok' });
    const out = await run(target, runaway, 1_000);
    expect(out, JSON.stringify(out)).toMatchObject({ kind: 'timeout', error: { code: 'QUERY_TIMEOUT' } });
    expect(await stillRunning(target)).toEqual([]);
  });
});

describe('a MariaDB runaway', () => {
  it.each([
    ['the session limit switched off', [], 'SET SESSION max_statement_time = 0; SELECT SLEEP(60)'],
    ['the statement limit switched off', [], 'SET STATEMENT max_statement_time = 0 FOR SELECT SLEEP(60)'],
    ['its password changed first', ["SET PASSWORD = PASSWORD('locked-out')"], 'SELECT SLEEP(60)'],
    [
      'a CONTINUE HANDLER looping over the cancelled statement',
      [SPIN],
      'SET SESSION max_statement_time = 0; CALL spin()',
    ],
    [
      'its password changed, then a CONTINUE HANDLER loop',
      [SPIN, "SET PASSWORD = PASSWORD('locked-out')"],
      'CALL spin()',
    ],
  ])('is gone from the server after its limit: %s', { timeout: 30_000 }, async (_name, before, runaway) => {
    const target = await sandbox('mysql');
    for (const sql of before) expect(await run(target, sql), sql).toMatchObject({ kind: 'ok' });
    const out = await run(target, runaway, 1_000);
    expect(out, JSON.stringify(out)).toMatchObject({ kind: 'timeout', error: { code: 'QUERY_TIMEOUT' } });
    expect(await stillRunning(target)).toEqual([]);
  });
});

describe.skipIf(!(await dockerAvailable()))('a MariaDB runaway in a sandbox container (Podman)', () => {
  const fleetId = `t${randomBytes(5).toString('hex')}`;
  let containers: SandboxRuntime;
  beforeAll(async () => {
    const config = loadConfig({ FLEET_ID: fleetId, ENGINES: 'mysql', SANDBOX_PROVISIONER: 'docker', DOCKER_HOST });
    containers = await createSandboxRuntime({ config, logger: createLogger({ name: 'test', level: 'silent' }) });
  }, 60_000);
  afterAll(async () => {
    await containers?.close();
    await removeFleet(fleetId);
  }, 60_000);

  it('is gone after its limit although the student changed its password and loops in a CONTINUE HANDLER', {
    timeout: 120_000,
  }, async () => {
    const spec = {
      sessionId: randomUUID(),
      engine: 'mysql' as const,
      fingerprint: 'runaway',
      batches: ['CREATE TABLE t (n int)'],
    };
    const { target } = (await containers.provisioners.get('mysql')?.ensure(spec))?.sandbox ?? {};
    if (!target) throw new Error('no sandbox');
    const engine = containers.engines.get('mysql');
    const limits = (timeoutMs: number) => ({ timeoutMs, maxRows: 100, maxBytes: 100_000 });
    for (const sql of [SPIN, "SET PASSWORD = PASSWORD('locked-out')"]) {
      expect(await engine?.execute(target, sql, limits(5_000)), sql).toMatchObject({ kind: 'ok' });
    }
    expect(await engine?.execute(target, 'CALL spin()', limits(1_000))).toMatchObject({ kind: 'timeout' });

    // The container's root, its password read from the container as an operator would.
    const env = (await docker.getContainer(target.database).inspect()).Config.Env ?? [];
    const password = env.find((e) => e.startsWith('SANDBOX_ADMIN_PASSWORD='))?.split('=')[1];
    const admin = mysql.createPool({
      host: target.host,
      port: target.port,
      user: 'root',
      password,
      connectionLimit: 1,
    });
    try {
      expect(await stillRunning(target, admin)).toEqual([]);
    } finally {
      await admin.end();
    }
  });
});
