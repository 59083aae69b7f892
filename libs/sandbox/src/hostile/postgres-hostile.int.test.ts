import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostileFixture, hostileFixture } from './hostile-fixture.ts';

/**
 * Hostile SQL a student may send to a PostgreSQL sandbox. Each must end as a SQL error outcome
 * (never a crash, never a thrown exception) and leave no trace outside the sandbox.
 */
let f: HostileFixture;
const admin = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres', max: 2 });
admin.on('error', () => undefined);

beforeAll(async () => {
  f = await hostileFixture('postgres');
});
afterAll(async () => {
  await f.close();
  await admin.end();
});

async function refused(sql: string, code = '42501'): Promise<void> {
  const out = await f.run(sql);
  expect(out, sql).toMatchObject({ kind: 'sql-error', error: { code } });
}

describe('hostile SQL on a PostgreSQL sandbox', () => {
  it('cannot COPY a server file into a table', async () => {
    await refused("COPY f FROM '/etc/passwd'");
    expect(await f.run('SELECT count(*) FROM f')).toMatchObject({ kind: 'ok', results: [{ rows: [['0']] }] });
  });

  it('cannot COPY to a program', async () => {
    const path = f.marker();
    await refused(`COPY (SELECT 1) TO PROGRAM 'touch ${path}'`);
    expect(existsSync(path)).toBe(false);
  });

  it('cannot COPY to a server file', async () => {
    const path = f.marker();
    await refused(`COPY items TO '${path}'`);
    expect(existsSync(path)).toBe(false);
  });

  it('cannot read a server file with pg_read_file', () => refused("SELECT pg_read_file('/etc/passwd')"));

  it('cannot list a server directory with pg_ls_dir', () => refused("SELECT pg_ls_dir('.')"));

  it('cannot import a server file as a large object', () => refused("SELECT lo_import('/etc/passwd')"));

  it('cannot create a database', async () => {
    await refused(`CREATE DATABASE ${f.fleet.fleetId}_evil`);
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [`${f.fleet.fleetId}_evil`]);
    expect(rowCount).toBe(0);
  });

  it('cannot create a role', async () => {
    await refused(`CREATE ROLE ${f.fleet.fleetId}_evil SUPERUSER LOGIN`);
    const { rowCount } = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [`${f.fleet.fleetId}_evil`]);
    expect(rowCount).toBe(0);
  });

  it('cannot change server settings with ALTER SYSTEM', () => refused("ALTER SYSTEM SET work_mem = '1GB'"));

  it('cannot become postgres with SET ROLE', () => refused('SET ROLE postgres'));

  it('cannot become postgres with SET SESSION AUTHORIZATION', () => refused('SET SESSION AUTHORIZATION postgres'));

  it('cannot make itself superuser', async () => {
    await refused(`ALTER ROLE ${f.attacker.target.user} SUPERUSER`);
    const { rows } = await admin.query('SELECT rolsuper FROM pg_roles WHERE rolname = $1', [f.attacker.target.user]);
    expect(rows).toEqual([{ rolsuper: false }]);
  });

  it('cannot lift its own connection limit', () => refused(`ALTER ROLE ${f.attacker.target.user} CONNECTION LIMIT -1`));

  it("cannot connect to another sandbox's database", async () => {
    const ping = f.fleet.engines.get('postgres')?.ping({ ...f.attacker.target, database: f.neighbour.id });
    await expect(ping).rejects.toThrow();
  });

  it('cannot connect to the metadata database', async () => {
    const ping = f.fleet.engines.get('postgres')?.ping({ ...f.attacker.target, database: 'sqlfleet_meta' });
    await expect(ping).rejects.toThrow();
  });

  it("cannot query another sandbox's table across databases", () =>
    refused(`SELECT * FROM ${f.neighbour.id}.public.items`, '0A000'));

  it('cannot install dblink to reach another database', () => refused('CREATE EXTENSION dblink'));

  it('cannot install postgres_fdw or file_fdw', async () => {
    await refused('CREATE EXTENSION postgres_fdw');
    await refused('CREATE EXTENSION file_fdw');
  });

  it('cannot create a function in C', () =>
    refused("CREATE FUNCTION evil() RETURNS int AS '/lib/x86_64-linux-gnu/libc.so.6', 'getpid' LANGUAGE c"));

  it('cannot install an untrusted procedural language', async () => {
    const out = await f.run('CREATE EXTENSION plpython3u');
    expect(out.kind).toBe('sql-error');
  });

  it('cannot read password hashes from pg_authid or pg_shadow', async () => {
    await refused('SELECT rolpassword FROM pg_authid');
    await refused('SELECT passwd FROM pg_shadow');
  });

  it("cannot terminate another login's backend", async () => {
    const victim = await admin.connect();
    try {
      const pid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      await refused(`SELECT pg_terminate_backend(${pid})`);
      expect((await victim.query('SELECT 1 AS alive')).rows).toEqual([{ alive: 1 }]);
    } finally {
      victim.release();
    }
  });

  it("cannot read another session's query text from pg_stat_activity", async () => {
    const other = await admin.connect();
    try {
      await other.query("SELECT 'admin-only text'");
      const out = await f.run(
        `SELECT query FROM pg_stat_activity WHERE pid = ${(other as unknown as { processID: number }).processID}`,
      );
      expect(out).toMatchObject({ kind: 'ok', results: [{ rows: [['<insufficient privilege>']] }] });
    } finally {
      other.release();
    }
  });

  it('still answers after every attack', async () => {
    expect(await f.run('SELECT secret FROM items')).toMatchObject({
      kind: 'ok',
      results: [{ rows: [['neighbour-secret']] }],
    });
  });
});
