import { randomBytes } from 'node:crypto';
import sql from 'mssql';
import { afterAll, describe, expect, it } from 'vitest';
import { MssqlServerAdmin } from './mssql-server-admin.ts';

/** Runs only against a real SQL Server: MSSQL_URL=mssql://sa:Password@host:1433. Skipped by name otherwise. */
const MSSQL_URL = process.env.MSSQL_URL;

describe.skipIf(!MSSQL_URL)('mssql server admin against a real SQL Server (set MSSQL_URL)', () => {
  const admin = new MssqlServerAdmin({ url: MSSQL_URL ?? 'mssql://sa@127.0.0.1' });
  const prefix = `t${randomBytes(3).toString('hex')}_`;
  const name = `${prefix}${randomBytes(6).toString('hex')}`;
  const other = `${prefix}${randomBytes(6).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');

  const connectAs = async (database: string, user: string, pass: string) => {
    const pool = new sql.ConnectionPool({
      server: admin.endpoint.host,
      port: admin.endpoint.port,
      database,
      user,
      password: pass,
      options: { encrypt: true, trustServerCertificate: true },
    });
    pool.on('error', () => undefined);
    return pool.connect();
  };

  afterAll(async () => {
    await admin.dropSandbox(name, name).catch(() => undefined);
    await admin.dropSandbox(other, other).catch(() => undefined);
    await admin.close();
  });

  it('creates a sandbox whose contained user can build in it and reach nothing else', async () => {
    await admin.createSandbox(name, name, password);
    await admin.createSandbox(other, other, password);
    expect(await admin.databaseExists(name)).toBe(true);
    expect(await admin.listSandboxes(prefix)).toEqual([name, other].sort());

    const pool = await connectAs(name, name, password);
    try {
      await pool.request().batch('CREATE TABLE t (id int PRIMARY KEY); INSERT t VALUES (1)');
      const { recordset } = await pool.request().query('SELECT id FROM t');
      expect(recordset).toEqual([{ id: 1 }]);
      await expect(pool.request().query(`SELECT * FROM [${other}].sys.tables`)).rejects.toThrow();
      await expect(pool.request().batch(`CREATE USER intruder WITH PASSWORD = 'Xx1!xxxxxxxx'`)).rejects.toThrow();
      await expect(pool.request().batch(`ALTER ROLE db_owner ADD MEMBER [${name}]`)).rejects.toThrow();
    } finally {
      await pool.close();
    }
    await expect(connectAs(other, name, password)).rejects.toThrow();
  });

  it('stores metadata, locks without waiting, and drops idempotently', async () => {
    const meta = { sessionId: 's1', fingerprint: 'f1', createdAt: Date.now(), ready: true };
    await admin.writeMeta(name, meta);
    expect(await admin.readMeta(name)).toEqual(meta);
    expect((await admin.listMeta(prefix)).get(name)).toEqual(meta);

    const inner = await admin.withLock(name, async () => admin.withLock(name, async () => 'twice'));
    expect(inner).toEqual({ held: true, value: { held: false } });

    await admin.dropSandbox(name, name);
    await admin.dropSandbox(name, name);
    expect(await admin.databaseExists(name)).toBe(false);
    expect(await admin.readMeta(name)).toBeUndefined();
  });
});
