import type { Logger } from '@sqlfleet/core';
import sql from 'mssql';
import { assertSafeName } from './sandbox-names.ts';
import type { LockResult, SandboxMeta, ServerAdmin, ServerEndpoint } from './server-admin.ts';

export interface MssqlServerAdminOptions {
  /** Admin URL, a sysadmin login: `mssql://sa:Password@host:1433`. */
  url: string;
  /** Database holding the sandbox metadata; sandbox users cannot reach it. Default `sqlfleet_meta`. */
  metaDatabase?: string;
  /** TLS to the server (its certificate is trusted: an internal server). Default true. */
  encrypt?: boolean;
  logger?: Logger;
}

/** `[name]`, for names that passed `assertSafeName` (the `]]` escape is there all the same). */
export const bracket = (name: string): string => {
  assertSafeName(name);
  return `[${name.replaceAll(']', ']]')}]`;
};

/** An N'...' literal: quotes doubled. */
export const nLiteral = (value: string): string => `N'${value.replaceAll("'", "''")}'`;

/** A LIKE pattern matching names that start with `prefix` (`_`, `%` and `[` are wildcards otherwise). */
export const startsWithPattern = (prefix: string): string => `${prefix.replace(/[\\%_[]/g, '\\$&')}%`;

/**
 * Sandboxes on a shared SQL Server: one partially contained database per session, reached through a
 * contained user (it authenticates against that database only, and exists nowhere else) who is a
 * member of db_ddladmin, db_datareader and db_datawriter and may EXECUTE, VIEW DEFINITION and
 * REFERENCES in that database, and nothing more: not db_owner, no server role, no login.
 *
 * Needs the server option `contained database authentication` = 1, which `createSandbox` turns on
 * the first time (a server-wide setting: it lets contained users log in at all). Not done: DENY VIEW
 * ANY DATABASE is server-wide (it would hide database names from every login), so a sandbox user can
 * still see other databases' names in sys.databases; names are hashes of nothing a user can use.
 * Known limit: db_ddladmin may create a dbo-owned module with EXECUTE AS OWNER and so act as dbo
 * inside its own database; the database is not TRUSTWORTHY, so that stops at the database's edge.
 */
export class MssqlServerAdmin implements ServerAdmin {
  readonly engine = 'mssql' as const;
  readonly endpoint: ServerEndpoint;
  private readonly pool: sql.ConnectionPool;
  /** Holds the transactions that own sandbox locks, apart from the pool doing the work under them. */
  private readonly lockPool: sql.ConnectionPool;
  private readonly metaDatabase: string;
  private connected?: Promise<void>;
  private containment?: Promise<void>;
  private metaReady?: Promise<void>;
  private closing?: Promise<void>;

  constructor(private readonly options: MssqlServerAdminOptions) {
    const url = new URL(options.url);
    this.endpoint = { host: url.hostname, port: Number(url.port || 1433) };
    this.metaDatabase = options.metaDatabase ?? 'sqlfleet_meta';
    assertSafeName(this.metaDatabase);
    const config = (max: number): sql.config => ({
      server: url.hostname,
      port: this.endpoint.port,
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: 'master',
      pool: { min: 0, max, idleTimeoutMillis: 10_000 },
      requestTimeout: 60_000,
      options: { encrypt: options.encrypt ?? true, trustServerCertificate: true, appName: 'sqlfleet-admin' },
    });
    this.pool = this.watch(new sql.ConnectionPool(config(4)));
    this.lockPool = this.watch(new sql.ConnectionPool(config(16)));
  }

  async createSandbox(name: string, login: string, password: string): Promise<void> {
    await this.ensureContainment();
    const db = bracket(name);
    await this.batch(`CREATE DATABASE ${db} CONTAINMENT = PARTIAL; ALTER DATABASE ${db} SET RECOVERY SIMPLE;`);
    try {
      const user = bracket(login);
      await this.inDatabase(
        name,
        `CREATE USER ${user} WITH PASSWORD = ${nLiteral(password)};
         ALTER ROLE db_ddladmin ADD MEMBER ${user};
         ALTER ROLE db_datareader ADD MEMBER ${user};
         ALTER ROLE db_datawriter ADD MEMBER ${user};
         GRANT EXECUTE, VIEW DEFINITION, REFERENCES, SHOWPLAN TO ${user};`,
      );
    } catch (error) {
      await this.dropSandbox(name, login).catch(() => undefined);
      throw error;
    }
  }

  /** The contained user goes with its database. */
  async dropSandbox(name: string, _login: string): Promise<void> {
    const db = bracket(name);
    // ROLLBACK IMMEDIATE ends the sandbox's sessions (and their transactions) so that DROP can proceed.
    await this.batch(
      `IF DB_ID(${nLiteral(name)}) IS NOT NULL
       BEGIN
         ALTER DATABASE ${db} SET SINGLE_USER WITH ROLLBACK IMMEDIATE;
         DROP DATABASE ${db};
       END`,
    );
    await this.ensureMeta();
    await (await this.request())
      .input('name', sql.NVarChar, name)
      .query(`DELETE FROM ${this.metaTable()} WHERE name = @name`);
  }

  async listSandboxes(prefix: string): Promise<string[]> {
    const { recordset } = await (await this.request())
      .input('pattern', sql.NVarChar, startsWithPattern(prefix))
      .query<{ name: string }>("SELECT name FROM sys.databases WHERE name LIKE @pattern ESCAPE '\\' ORDER BY name");
    return recordset.map((r) => r.name);
  }

  async databaseExists(name: string): Promise<boolean> {
    const { recordset } = await (await this.request())
      .input('name', sql.NVarChar, name)
      .query<{ id: number | null }>('SELECT DB_ID(@name) AS id');
    return recordset[0]?.id != null;
  }

  /** The provisioner names a sandbox's user after its database, where the contained user lives. */
  async setPassword(login: string, password: string): Promise<void> {
    await this.inDatabase(login, `ALTER USER ${bracket(login)} WITH PASSWORD = ${nLiteral(password)}`);
  }

  async readMeta(name: string): Promise<SandboxMeta | undefined> {
    await this.ensureMeta();
    const { recordset } = await (await this.request())
      .input('name', sql.NVarChar, name)
      .query<MetaRow>(`${this.metaSelect()} WHERE name = @name`);
    return recordset[0] && toMeta(recordset[0]);
  }

  async listMeta(prefix: string): Promise<Map<string, SandboxMeta>> {
    await this.ensureMeta();
    const { recordset } = await (await this.request())
      .input('pattern', sql.NVarChar, startsWithPattern(prefix))
      .query<MetaRow>(`${this.metaSelect()} WHERE name LIKE @pattern ESCAPE '\\'`);
    return new Map(recordset.map((r) => [r.name, toMeta(r)]));
  }

  async writeMeta(name: string, meta: SandboxMeta): Promise<void> {
    await this.ensureMeta();
    await (await this.request())
      .input('name', sql.NVarChar, name)
      .input('sessionId', sql.NVarChar, meta.sessionId)
      .input('fingerprint', sql.NVarChar, meta.fingerprint)
      .input('createdAt', sql.BigInt, meta.createdAt)
      .input('ready', sql.Bit, meta.ready)
      .query(
        `MERGE ${this.metaTable()} WITH (HOLDLOCK) AS t USING (SELECT @name AS name) AS s ON t.name = s.name
         WHEN MATCHED THEN UPDATE SET session_id = @sessionId, fingerprint = @fingerprint, created_at = @createdAt, ready = @ready
         WHEN NOT MATCHED THEN INSERT (name, session_id, fingerprint, created_at, ready)
           VALUES (@name, @sessionId, @fingerprint, @createdAt, @ready);`,
      );
  }

  /**
   * An application lock owned by a transaction on its own connection: released at COMMIT, and by the
   * server if this process dies (the connection goes, the transaction rolls back).
   */
  async withLock<T>(name: string, fn: () => Promise<T>): Promise<LockResult<T>> {
    await this.connect();
    const tx = new sql.Transaction(this.lockPool);
    await tx.begin();
    try {
      const { recordset } = await new sql.Request(tx)
        .input('resource', sql.NVarChar, `sqlfleet:${name}`)
        .query<{ result: number }>(
          "DECLARE @r int; EXEC @r = sp_getapplock @Resource = @resource, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 0; SELECT @r AS result",
        );
      if ((recordset[0]?.result ?? -1) < 0) return { held: false };
      return { held: true, value: await fn() };
    } finally {
      await tx
        .commit()
        .catch((error: unknown) => this.options.logger?.warn({ err: error }, 'mssql lock release failed'));
    }
  }

  close(): Promise<void> {
    this.closing ??= Promise.allSettled([this.pool.close(), this.lockPool.close()]).then(() => undefined);
    return this.closing;
  }

  private watch(pool: sql.ConnectionPool): sql.ConnectionPool {
    // A dropped admin connection must not crash the process.
    pool.on('error', (error: unknown) => this.options.logger?.warn({ err: error }, 'mssql admin connection error'));
    return pool;
  }

  private connect(): Promise<void> {
    this.connected ??= Promise.all([this.pool.connect(), this.lockPool.connect()]).then(() => undefined);
    this.connected.catch(() => {
      this.connected = undefined;
    });
    return this.connected;
  }

  private async request(): Promise<sql.Request> {
    await this.connect();
    return this.pool.request();
  }

  private async batch(text: string): Promise<void> {
    await (await this.request()).batch(text);
  }

  /**
   * Runs `text` inside database `name` through that database's sp_executesql, so that the pooled
   * connection stays in master (a `USE` would follow the connection back into the pool).
   */
  private async inDatabase(name: string, text: string): Promise<void> {
    await (await this.request())
      .input('stmt', sql.NVarChar(sql.MAX), text)
      .query(`EXEC ${bracket(name)}.sys.sp_executesql @stmt`);
  }

  /** Contained users can log in only once the server allows contained database authentication. */
  private ensureContainment(): Promise<void> {
    this.containment ??= this.batch(
      `IF (SELECT CAST(value_in_use AS int) FROM sys.configurations WHERE name = 'contained database authentication') = 0
       BEGIN
         EXEC sp_configure 'contained database authentication', 1;
         RECONFIGURE;
       END`,
    );
    this.containment.catch(() => {
      this.containment = undefined;
    });
    return this.containment;
  }

  /** The metadata database and table, made on first use by whichever worker gets there first. */
  private ensureMeta(): Promise<void> {
    this.metaReady ??= (async () => {
      const db = bracket(this.metaDatabase);
      await this.ignoring([1801], `IF DB_ID(${nLiteral(this.metaDatabase)}) IS NULL CREATE DATABASE ${db}`);
      await this.ignoring(
        [2714],
        `IF OBJECT_ID(${nLiteral(`${this.metaDatabase}.dbo.sandbox_meta`)}) IS NULL
         CREATE TABLE ${this.metaTable()} (name nvarchar(128) NOT NULL PRIMARY KEY, session_id nvarchar(128) NOT NULL,
           fingerprint nvarchar(256) NOT NULL, created_at bigint NOT NULL, ready bit NOT NULL)`,
      );
    })();
    this.metaReady.catch(() => {
      this.metaReady = undefined;
    });
    return this.metaReady;
  }

  /** Runs a batch, taking the given error numbers (another worker won a create race) as success. */
  private async ignoring(numbers: number[], text: string): Promise<void> {
    try {
      await this.batch(text);
    } catch (error) {
      if (!numbers.includes((error as { number?: unknown }).number as number)) throw error;
    }
  }

  private metaTable(): string {
    return `${bracket(this.metaDatabase)}.dbo.sandbox_meta`;
  }

  private metaSelect(): string {
    return `SELECT name, session_id, fingerprint, created_at, ready FROM ${this.metaTable()}`;
  }
}

interface MetaRow {
  name: string;
  session_id: string;
  fingerprint: string;
  /** BIGINT arrives as a string. */
  created_at: string;
  ready: boolean;
}

const toMeta = (r: MetaRow): SandboxMeta => ({
  sessionId: r.session_id,
  fingerprint: r.fingerprint,
  createdAt: Number(r.created_at),
  ready: r.ready,
});
