import { randomBytes } from 'node:crypto';
import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { MysqlServerAdmin } from './mysql-server-admin.ts';
import { newPassword } from './sandbox-names.ts';

const admin = new MysqlServerAdmin({ metaDatabase: 't_meta_admin_test' });
const root = mysql.createPool({ host: '127.0.0.1', port: 3306, user: 'root', connectionLimit: 2 });
const made: string[] = [];

function sandbox(): { name: string; password: string } {
  const name = `t_${randomBytes(8).toString('hex')}`;
  made.push(name);
  return { name, password: newPassword() };
}

async function asLogin<T>(name: string, password: string, run: (c: Connection) => Promise<T>): Promise<T> {
  const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: name, password, database: name });
  try {
    return await run(c);
  } finally {
    await c.end();
  }
}

afterAll(async () => {
  for (const name of made) await admin.dropSandbox(name, name);
  await root.query('DROP DATABASE IF EXISTS t_meta_admin_test');
  await admin.close();
  await root.end();
});

describe('MysqlServerAdmin', () => {
  it('makes a database its login can build tables in', async () => {
    const { name, password } = sandbox();
    await admin.createSandbox(name, name, password);
    const rows = await asLogin(name, password, async (c) => {
      await c.query('CREATE TABLE t (id int)');
      await c.query('INSERT INTO t VALUES (1), (2)');
      const [r] = await c.query<RowDataPacket[]>('SELECT count(*) AS n FROM t');
      return r;
    });
    expect(rows).toEqual([{ n: 2 }]);
    expect(await admin.listSandboxes(name.slice(0, 10))).toContain(name);
  });

  it('grants only database-level rights on its own database, with a connection cap', async () => {
    const { name, password } = sandbox();
    await admin.createSandbox(name, name, password);
    const [grants] = await root.query<RowDataPacket[]>(`SHOW GRANTS FOR '${name}'@'%'`);
    const text = grants.map((g) => String(Object.values(g)[0])).join('\n');
    expect(text).toMatch(/^GRANT USAGE ON \*\.\* TO `t_\w+`@`%`/m);
    expect(text).toContain(`ON \`${name.replaceAll('_', '\\_')}\`.* TO`);
    expect(text).not.toMatch(/FILE|SUPER|PROCESS|EVENT|GRANT OPTION|ALL PRIVILEGES/);
    const [[user]] = await root.query<RowDataPacket[]>(
      'SELECT max_user_connections AS m FROM mysql.user WHERE user = ?',
      [name],
    );
    expect(user?.m).toBe(5);
  });

  it('does not let `_` in the name act as a wildcard that grants look-alike databases', async () => {
    const { name, password } = sandbox();
    await admin.createSandbox(name, name, password);
    const lookalike = `tX${name.slice(2)}`;
    await expect(asLogin(name, password, (c) => c.query(`CREATE DATABASE \`${lookalike}\``))).rejects.toThrow(
      /Access denied/,
    );
    const [rows] = await root.query<RowDataPacket[]>('SHOW DATABASES LIKE ?', [lookalike]);
    expect(rows).toEqual([]);
  });

  it('drops the database, the login, its connections and the metadata; twice is fine', async () => {
    const { name, password } = sandbox();
    await admin.createSandbox(name, name, password);
    await admin.writeMeta(name, { sessionId: 's1', fingerprint: 'f1', createdAt: 5, ready: true });
    expect(await admin.readMeta(name)).toEqual({ sessionId: 's1', fingerprint: 'f1', createdAt: 5, ready: true });
    const open = await mysql.createConnection({ host: '127.0.0.1', user: name, password, database: name });
    open.on('error', () => undefined);
    await admin.dropSandbox(name, name);
    await admin.dropSandbox(name, name);
    expect(await admin.databaseExists(name)).toBe(false);
    const [users] = await root.query<RowDataPacket[]>('SELECT 1 FROM mysql.user WHERE user = ?', [name]);
    expect(users).toEqual([]);
    expect(await admin.readMeta(name)).toBeUndefined();
    await expect(open.query('SELECT 1')).rejects.toThrow();
    open.destroy();
  });

  it('keeps the password out of the error it throws', async () => {
    const { name, password } = sandbox();
    await admin.createSandbox(name, name, password);
    const error = await admin.setPassword(`${name}x`, password).catch((e: unknown) => e);
    expect(JSON.stringify(error)).not.toContain(password);
    expect(String((error as Error).message)).not.toContain(password);
  });

  it('runs a function under a lock that a second holder cannot take', async () => {
    const { name } = sandbox();
    const outer = await admin.withLock(name, async () => (await admin.withLock(name, async () => 'inner')).held);
    expect(outer).toEqual({ held: true, value: false });
    expect(await admin.withLock(name, async () => 'again')).toEqual({ held: true, value: 'again' });
  });
});
