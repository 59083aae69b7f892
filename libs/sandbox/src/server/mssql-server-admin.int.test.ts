import { randomBytes } from 'node:crypto';
import sql from 'mssql';
import { afterAll, describe, expect, it } from 'vitest';
import { MssqlServerAdmin } from './mssql-server-admin.ts';

/**
 * Runs only against a real server, SQL Server or Babelfish for PostgreSQL:
 * MSSQL_URL=mssql://sa:Password@host:1433. Skipped by name otherwise.
 */
const MSSQL_URL = process.env.MSSQL_URL;

/** What a sandbox login tries beyond its database; every one must be refused, on either server. */
const HOSTILE = (other: string) => [
  `SELECT * FROM [${other}].sys.tables`,
  `USE [${other}]`,
  "EXEC xp_cmdshell 'id'",
  "SELECT * FROM OPENROWSET('SQLNCLI', 'Server=127.0.0.1;Trusted_Connection=yes;', 'SELECT 1')",
  "EXEC sp_configure 'show advanced options', 1; RECONFIGURE",
  "CREATE LOGIN intruder WITH PASSWORD = 'Xx1!xxxxxxxx'",
  `ALTER LOGIN [${other}] WITH PASSWORD = 'Xx1!xxxxxxxx'`,
  'ALTER SERVER ROLE sysadmin ADD MEMBER intruder',
  'CREATE DATABASE intruder_db',
  `DROP DATABASE [${other}]`,
  'KILL 1',
];

describe.skipIf(!MSSQL_URL)('mssql server admin against a real SQL Server or Babelfish (set MSSQL_URL)', () => {
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

  it('creates a sandbox whose login can build in it and reach nothing else', async () => {
    await admin.createSandbox(name, name, password);
    await admin.createSandbox(other, other, password);
    expect(await admin.databaseExists(name)).toBe(true);
    expect(await admin.listSandboxes(prefix)).toEqual([name, other].sort());

    const pool = await connectAs(name, name, password);
    try {
      await pool
        .request()
        .batch("CREATE TABLE t (id int IDENTITY PRIMARY KEY, n nvarchar(9)); INSERT t (n) VALUES (N'é')");
      await pool.request().batch('CREATE VIEW v AS SELECT n FROM t');
      await pool.request().batch('CREATE PROCEDURE p AS SELECT COUNT(*) AS c FROM v');
      const { recordset } = await pool.request().query('SELECT id, n FROM t');
      expect(recordset).toEqual([{ id: 1, n: 'é' }]);
      expect((await pool.request().batch('EXEC p')).recordset).toEqual([{ c: 1 }]);
      for (const attempt of HOSTILE(other)) {
        await expect(pool.request().batch(attempt), attempt).rejects.toThrow();
      }
    } finally {
      await pool.close();
    }
    await expect(connectAs(other, name, password)).rejects.toThrow();
  });

  it('gives a login a new password, and only the new one works', async () => {
    const fresh = randomBytes(18).toString('base64url');
    await admin.setPassword(name, fresh);
    await expect(connectAs(name, name, password)).rejects.toThrow();
    const pool = await connectAs(name, name, fresh);
    await pool.close();
    await admin.setPassword(name, password);
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
    // The login (SQL Server: the contained user) went with it.
    await expect(connectAs(name, name, password)).rejects.toThrow();
  });
});
