/** Direct looks at the SQL Server (or Babelfish) of MSSQL_URL, to check what a fleet made and remove it. */
import { detectFlavour, type MssqlServerKind } from '@sqlfleet/engines';
import sql from 'mssql';

export interface MssqlLook {
  kind: MssqlServerKind;
  /** Databases and server logins whose name starts with the fleet's prefix. */
  footprint(fleetId: string): Promise<{ databases: string[]; logins: string[] }>;
  /** Drops whatever a fleet left (its sandboxes on a failing run). */
  dropFleet(fleetId: string): Promise<void>;
  close(): Promise<void>;
}

export async function lookAtMssql(url: string): Promise<MssqlLook> {
  const u = new URL(url);
  const pool = new sql.ConnectionPool({
    server: u.hostname,
    port: Number(u.port || 1433),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: 'master',
    options: { encrypt: true, trustServerCertificate: true },
  });
  pool.on('error', () => undefined);
  await pool.connect();
  const kind = (await detectFlavour(pool)).kind;
  const names = async (query: string, fleetId: string) =>
    (await pool.request().input('like', sql.NVarChar, `${fleetId}\\_%`).query<{ name: string }>(query)).recordset.map(
      (r) => r.name,
    );
  const footprint = async (fleetId: string) => ({
    databases: await names("SELECT name FROM sys.databases WHERE name LIKE @like ESCAPE '\\'", fleetId),
    logins: await names("SELECT name FROM sys.server_principals WHERE name LIKE @like ESCAPE '\\'", fleetId),
  });
  return {
    kind,
    footprint,
    async dropFleet(fleetId) {
      const found = await footprint(fleetId);
      for (const db of found.databases) {
        const drop =
          kind === 'babelfish'
            ? `DROP DATABASE [${db}]`
            : `ALTER DATABASE [${db}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [${db}]`;
        await pool
          .request()
          .batch(drop)
          .catch(() => undefined);
      }
      // Their metadata rows too (the admin deletes a row when it drops its sandbox; these were left).
      await pool
        .request()
        .input('like', sql.NVarChar, `${fleetId}\\_%`)
        .query("DELETE FROM sqlfleet_meta.dbo.sandbox_meta WHERE name LIKE @like ESCAPE '\\'")
        .catch(() => undefined);
      for (const login of found.logins) {
        await pool
          .request()
          .batch(`DROP LOGIN [${login}]`)
          .catch(() => undefined);
      }
    },
    close: () => pool.close(),
  };
}
