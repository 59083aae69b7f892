import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresServerAdmin } from './postgres-server-admin.ts';
import { newPassword } from './sandbox-names.ts';

const admin = new PostgresServerAdmin({ metaDatabase: 't_meta_admin_test' });
const superuser = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres', max: 2 });
const made: string[] = [];

function sandbox(): { name: string; password: string } {
  const name = `t_${randomBytes(8).toString('hex')}`;
  made.push(name);
  return { name, password: newPassword() };
}

async function asLogin<T>(name: string, database: string, password: string, run: (c: pg.Client) => Promise<T>) {
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: name, password, database });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  for (const name of made) await admin.dropSandbox(name, name);
  await superuser.query('DROP DATABASE IF EXISTS t_meta_admin_test WITH (FORCE)');
  await admin.close();
  await superuser.end();
});

describe('PostgresServerAdmin', () => {
  it('makes a database its login owns and can build tables in', async () => {
    const { name, password } = sandbox();
    await admin.createSandbox(name, name, password);
    const rows = await asLogin(name, name, password, async (c) => {
      await c.query('CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)');
      return (await c.query('SELECT count(*)::int AS n FROM t')).rows;
    });
    expect(rows).toEqual([{ n: 2 }]);
    expect(await admin.databaseExists(name)).toBe(true);
    expect(await admin.listSandboxes(name.slice(0, 10))).toContain(name);
  });

  it('gives the login no attribute and no membership beyond LOGIN', async () => {
    const { name, password } = sandbox();
    await admin.createSandbox(name, name, password);
    const { rows } = await superuser.query(
      `SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolconnlimit,
              (SELECT count(*)::int FROM pg_auth_members WHERE member = r.oid) AS memberships
       FROM pg_roles r WHERE rolname = $1`,
      [name],
    );
    expect(rows).toEqual([
      {
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolreplication: false,
        rolbypassrls: false,
        rolconnlimit: 5,
        memberships: 0,
      },
    ]);
  });

  it("refuses the login another sandbox's database and the metadata database", async () => {
    const a = sandbox();
    const b = sandbox();
    await admin.createSandbox(a.name, a.name, a.password);
    await admin.createSandbox(b.name, b.name, b.password);
    await admin.writeMeta(b.name, { sessionId: 's', fingerprint: 'f', createdAt: 1, ready: true });
    await expect(asLogin(a.name, b.name, a.password, async () => 'connected')).rejects.toThrow(/permission denied/);
    await expect(asLogin(a.name, 't_meta_admin_test', a.password, async () => 'connected')).rejects.toThrow(
      /permission denied/,
    );
  });

  it('drops the database, the login and the metadata; twice is fine', async () => {
    const { name, password } = sandbox();
    await admin.createSandbox(name, name, password);
    await admin.writeMeta(name, { sessionId: 's1', fingerprint: 'f1', createdAt: 5, ready: true });
    expect(await admin.readMeta(name)).toEqual({ sessionId: 's1', fingerprint: 'f1', createdAt: 5, ready: true });
    await admin.dropSandbox(name, name);
    await admin.dropSandbox(name, name);
    expect(await admin.databaseExists(name)).toBe(false);
    expect((await superuser.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount).toBe(0);
    expect(await admin.readMeta(name)).toBeUndefined();
  });

  it("drops a login even when another sandbox's owner granted it rights", async () => {
    const a = sandbox();
    const b = sandbox();
    await admin.createSandbox(a.name, a.name, a.password);
    await admin.createSandbox(b.name, b.name, b.password);
    await asLogin(a.name, a.name, a.password, (c) =>
      c.query(
        `CREATE TABLE shared (x int); GRANT SELECT ON shared TO ${b.name}; GRANT CONNECT ON DATABASE ${a.name} TO ${b.name}`,
      ),
    );
    await admin.dropSandbox(b.name, b.name);
    expect((await superuser.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [b.name])).rowCount).toBe(0);
  });

  it.each(['file_copy', 'wal_log'] as const)(
    'copies a sealed template by %s, the copy its new login’s own',
    async (strategy) => {
      const copier = new PostgresServerAdmin({ metaDatabase: 't_meta_admin_test', cloneStrategy: strategy });
      const template = sandbox();
      await admin.createSandbox(template.name, template.name, template.password);
      await asLogin(template.name, template.name, template.password, (c) =>
        c.query('CREATE TABLE t (id int); INSERT INTO t VALUES (7)'),
      );
      await admin.sealTemplate(template.name, template.name);
      const walAt = async () =>
        Number((await superuser.query("SELECT pg_current_wal_lsn() - '0/0' AS at")).rows[0]?.at);
      const before = await walAt();
      const copy = sandbox();
      await copier.cloneSandbox(template.name, template.name, copy.name, copy.name, copy.password);
      const walWritten = (await walAt()) - before;
      const rows = await asLogin(copy.name, copy.name, copy.password, async (c) => {
        await c.query('INSERT INTO t VALUES (8); ALTER TABLE t ADD COLUMN note text');
        return (await c.query('SELECT id FROM t ORDER BY id')).rows;
      });
      expect(rows).toEqual([{ id: 7 }, { id: 8 }]);
      // WAL_LOG writes every block of the copy (its catalogues are megabytes) to the WAL; FILE_COPY a few records.
      const size = Number((await superuser.query('SELECT pg_database_size($1) AS size', [copy.name])).rows[0]?.size);
      if (strategy === 'wal_log') expect(walWritten).toBeGreaterThan(size / 2);
      await copier.close();
    },
  );

  it('runs a function under a lock that a second holder cannot take', async () => {
    const { name } = sandbox();
    const outer = await admin.withLock(name, async () => (await admin.withLock(name, async () => 'inner')).held);
    expect(outer).toEqual({ held: true, value: false });
    expect(await admin.withLock(name, async () => 'again')).toEqual({ held: true, value: 'again' });
  });
});
