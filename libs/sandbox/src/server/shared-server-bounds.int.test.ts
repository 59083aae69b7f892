import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateServer, privateMariadb } from '../../../../test/support/private-servers.ts';
import { MysqlServerAdmin } from './mysql-server-admin.ts';
import { PostgresServerAdmin } from './postgres-server-admin.ts';
import { newPassword } from './sandbox-names.ts';

/** What one sandbox login can take from the others on a shared server, tried as a hostile student would. */

const pgAdmin = new PostgresServerAdmin({ metaDatabase: 't_meta_bounds_test', tempFileLimitMb: 1 });
const superuser = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres', max: 1 });
const made: string[] = [];

afterAll(async () => {
  for (const name of made) await pgAdmin.dropSandbox(name, name);
  await superuser.query('DROP DATABASE IF EXISTS t_meta_bounds_test WITH (FORCE)');
  await Promise.all([pgAdmin.close(), superuser.end()]);
});

async function pgLogin(): Promise<pg.Client> {
  const name = `t_${randomBytes(8).toString('hex')}`;
  const password = newPassword();
  made.push(name);
  await pgAdmin.createSandbox(name, name, password);
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: name, password, database: name });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

const sqlState = (run: Promise<unknown>): Promise<string | undefined> =>
  run.then(
    () => undefined,
    (error: { code?: string }) => error.code,
  );

describe('a PostgreSQL sandbox login', () => {
  it('cannot raise its temp_file_limit, and a sort past it fails', async () => {
    const c = await pgLogin();
    try {
      expect((await c.query('SHOW temp_file_limit')).rows).toEqual([{ temp_file_limit: '1MB' }]);
      for (const raise of [
        "SET temp_file_limit = '10GB'",
        "ALTER ROLE CURRENT_USER SET temp_file_limit = '10GB'",
        `ALTER DATABASE ${c.database} SET temp_file_limit = '10GB'`,
      ]) {
        expect({ raise, code: await sqlState(c.query(raise)) }).toEqual({ raise, code: '42501' });
      }
      // work_mem is USERSET: lowering it forces the spill to disk that temp_file_limit bounds.
      await c.query("SET work_mem = '64kB'");
      const sort = c.query('SELECT count(*) FROM (SELECT g FROM generate_series(1, 300000) g ORDER BY g DESC) s');
      expect(await sqlState(sort)).toBe('53400');
    } finally {
      await c.end();
    }
  });

  it('cannot take advisory locks (the server-wide lock table) nor write large objects', async () => {
    const c = await pgLogin();
    try {
      for (const call of [
        'SELECT pg_advisory_lock(1)',
        'SELECT pg_catalog.pg_try_advisory_lock(1, 2)',
        'SELECT pg_advisory_lock_shared(7)',
        'SELECT pg_advisory_xact_lock(1)',
        'SELECT lo_create(0)',
        "SELECT lo_from_bytea(0, '\\x00'::bytea)",
      ]) {
        expect({ call, code: await sqlState(c.query(call)) }).toEqual({ call, code: '42501' });
      }
      const { rows } = await superuser.query(
        "SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND a.usename = $1",
        [c.user],
      );
      expect(rows).toEqual([{ n: 0 }]);
    } finally {
      await c.end();
    }
  });
});

describe('a MariaDB server started with the bounds docs/reliability.md gives', () => {
  let server: PrivateServer;
  let admin: MysqlServerAdmin;
  beforeAll(async () => {
    server = await privateMariadb([
      '--enforce-storage-engine=InnoDB',
      '--maximum-max-heap-table-size=16M',
      '--maximum-tmp-table-size=16M',
      '--max-session-mem-used=256M',
      '--maximum-max-session-mem-used=256M',
    ]);
    admin = new MysqlServerAdmin({ url: server.url });
  }, 90_000);
  afterAll(async () => {
    await admin?.close();
    await server?.stop();
  });

  it('is reported as bounded, and bounds a login by effect', async () => {
    expect(await admin.boundsReport()).toEqual([]);
    const name = `t_${randomBytes(8).toString('hex')}`;
    const password = newPassword();
    await admin.createSandbox(name, name, password);
    const c = await mysql.createConnection({
      host: '127.0.0.1',
      port: server.port,
      user: name,
      password,
      database: name,
    });
    try {
      const refused = (sql: string) =>
        c.query(sql).then(
          () => undefined,
          (e: { errno?: number }) => e.errno,
        );
      expect(await refused('CREATE TABLE m (a int) ENGINE=MEMORY')).toBe(1290);
      expect(await refused('SET SESSION enforce_storage_engine = NULL')).toBe(1227);
      await c.query('SET SESSION max_heap_table_size = 1073741824, tmp_table_size = 1073741824');
      const [rows] = await c.query<mysql.RowDataPacket[]>(
        'SELECT @@session.max_heap_table_size AS heap, @@session.tmp_table_size AS tmp',
      );
      expect(rows[0]).toEqual({ heap: 16 * 1024 * 1024, tmp: 16 * 1024 * 1024 });
      // One session asking for a 1 GB sort buffer is refused instead of taking the memory.
      await c.query('SET SESSION sort_buffer_size = 1073741824');
      const sort =
        'SELECT count(*) FROM (SELECT repeat(seq, 20) x FROM seq_1_to_300000 ORDER BY x DESC LIMIT 200000) s';
      expect(await refused(sort)).toBe(1290);
    } finally {
      await c.end();
      await admin.dropSandbox(name, name);
    }
  });
});

describe('the shared MariaDB (no bounds configured)', () => {
  const shared = new MysqlServerAdmin();
  afterAll(() => shared.close());

  it('reports each gap that a login can use', async () => {
    const report = await shared.boundsReport();
    const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
    try {
      const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT @@global.enforce_storage_engine AS e');
      const memoryAllowed = String(rows[0]?.e ?? '').toLowerCase() !== 'innodb';
      expect(report.some((line) => line.includes('enforce_storage_engine'))).toBe(memoryAllowed);
    } finally {
      await c.end();
    }
  });
});
