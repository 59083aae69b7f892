import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, RepeatFolder } from '@sqlfleet/core';
import { detectFlavour, type MssqlFlavour, nLiteral, type SandboxSteps } from '@sqlfleet/engines';
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

export { nLiteral };

/** The name itself, once it passed `assertSafeName` (the flavour quotes it). */
const safeName = (name: string): string => {
  assertSafeName(name);
  return name;
};

/** A LIKE pattern matching names that start with `prefix` (`_`, `%` and `[` are wildcards otherwise). */
export const startsWithPattern = (prefix: string): string => `${prefix.replace(/[\\%_[]/g, '\\$&')}%`;

/**
 * Sandboxes on a shared SQL Server or Babelfish for PostgreSQL: one database per session, reached by
 * a principal made for it that is a member of db_ddladmin, db_datareader and db_datawriter there, and
 * nothing more: not db_owner, no server role. How that principal is made differs (see `MssqlFlavour`):
 * - SQL Server: a partially contained database and a contained user (it authenticates against that
 *   database only, and exists nowhere else), which needs the server option `contained database
 *   authentication` = 1, turned on the first time (a server-wide setting: it lets contained users log
 *   in at all). Not done: DENY VIEW ANY DATABASE is server-wide (it would hide database names from
 *   every login), so a sandbox user can still see other databases' names in sys.databases; names are
 *   hashes of nothing a user can use. Known limit: db_ddladmin may create a dbo-owned module with
 *   EXECUTE AS OWNER and so act as dbo inside its own database; the database is not TRUSTWORTHY, so
 *   that stops at the database's edge.
 * - Babelfish (no contained databases): a server login whose only database user is in its sandbox;
 *   dropping the sandbox KILLs the login's sessions and drops the database and the login.
 */
export class MssqlServerAdmin implements ServerAdmin {
  readonly engine = 'mssql' as const;
  readonly endpoint: ServerEndpoint;
  private readonly pool: sql.ConnectionPool;
  /** Holds the transactions that own sandbox locks, apart from the pool doing the work under them. */
  private readonly lockPool: sql.ConnectionPool;
  /**
   * Connected to the metadata database itself: Babelfish refuses even a sysadmin's CREATE TABLE through
   * a three-part name into another database ("permission denied for schema sqlfleet_meta_dbo").
   */
  private readonly metaPool: sql.ConnectionPool;
  private readonly metaDatabase: string;
  private connected?: Promise<void>;
  private flavourOnce?: Promise<MssqlFlavour>;
  private prepared?: Promise<void>;
  private metaReady?: Promise<void>;
  private closing?: Promise<void>;

  constructor(private readonly options: MssqlServerAdminOptions) {
    const url = new URL(options.url);
    this.endpoint = { host: url.hostname, port: Number(url.port || 1433) };
    this.metaDatabase = options.metaDatabase ?? 'sqlfleet_meta';
    assertSafeName(this.metaDatabase);
    const config = (max: number, database = 'master'): sql.config => ({
      server: url.hostname,
      port: this.endpoint.port,
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database,
      pool: { min: 0, max, idleTimeoutMillis: 10_000 },
      requestTimeout: 60_000,
      options: { encrypt: options.encrypt ?? true, trustServerCertificate: true, appName: 'sqlfleet-admin' },
    });
    this.pool = this.watch(new sql.ConnectionPool(config(4)));
    this.lockPool = this.watch(new sql.ConnectionPool(config(16)));
    this.metaPool = this.watch(new sql.ConnectionPool(config(4, this.metaDatabase)));
  }

  async createSandbox(name: string, login: string, password: string): Promise<void> {
    const flavour = await this.prepareServer();
    try {
      await this.run(flavour.createSandbox(safeName(name), safeName(login), password));
    } catch (error) {
      await this.dropSandbox(name, login).catch(() => undefined);
      throw error;
    }
  }

  async dropSandbox(name: string, login: string): Promise<void> {
    const flavour = await this.flavour();
    const steps = flavour.dropSandbox(safeName(name), safeName(login));
    // A KILLed session's backend takes a moment to go (Babelfish): until it has, the database is "in use".
    for (let attempt = 1; ; attempt++) {
      try {
        await this.run(steps);
        break;
      } catch (error) {
        if (attempt >= DROP_ATTEMPTS || !IN_USE.test((error as Error).message ?? '')) throw error;
        await sleep(DROP_RETRY_MS);
      }
    }
    await (await this.metaRequest())
      .input('name', sql.NVarChar, name)
      .query(`DELETE FROM ${META_TABLE} WHERE name = @name`);
  }

  /** Which server this is (SQL Server or Babelfish), asked once. */
  flavour(): Promise<MssqlFlavour> {
    this.flavourOnce ??= this.connect().then(() => detectFlavour(this.pool));
    this.flavourOnce.catch(() => {
      this.flavourOnce = undefined;
    });
    return this.flavourOnce;
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

  /** The provisioner names a sandbox's login after its database (where SQL Server's contained user lives). */
  async setPassword(login: string, password: string): Promise<void> {
    const flavour = await this.flavour();
    await this.run(flavour.setPassword(safeName(login), safeName(login), password));
  }

  async readMeta(name: string): Promise<SandboxMeta | undefined> {
    const { recordset } = await (await this.metaRequest())
      .input('name', sql.NVarChar, name)
      .query<MetaRow>(`${META_SELECT} WHERE name = @name`);
    return recordset[0] && toMeta(recordset[0]);
  }

  async listMeta(prefix: string): Promise<Map<string, SandboxMeta>> {
    const { recordset } = await (await this.metaRequest())
      .input('pattern', sql.NVarChar, startsWithPattern(prefix))
      .query<MetaRow>(`${META_SELECT} WHERE name LIKE @pattern ESCAPE '\\'`);
    return new Map(recordset.map((r) => [r.name, toMeta(r)]));
  }

  async writeMeta(name: string, meta: SandboxMeta): Promise<void> {
    await (await this.metaRequest())
      .input('name', sql.NVarChar, name)
      .input('sessionId', sql.NVarChar, meta.sessionId)
      .input('fingerprint', sql.NVarChar, meta.fingerprint)
      .input('createdAt', sql.BigInt, meta.createdAt)
      .input('ready', sql.Bit, meta.ready)
      // Not MERGE: Babelfish has none. The lock hints make it an upsert on SQL Server (Babelfish ignores them).
      .query(
        `SET XACT_ABORT ON;
         BEGIN TRANSACTION;
         UPDATE ${META_TABLE} WITH (UPDLOCK, HOLDLOCK)
           SET session_id = @sessionId, fingerprint = @fingerprint, created_at = @createdAt, ready = @ready
           WHERE name = @name;
         IF @@ROWCOUNT = 0
           INSERT ${META_TABLE} (name, session_id, fingerprint, created_at, ready)
             VALUES (@name, @sessionId, @fingerprint, @createdAt, @ready);
         COMMIT TRANSACTION;`,
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
    this.closing ??= Promise.allSettled([this.pool.close(), this.lockPool.close(), this.metaPool.close()]).then(
      () => undefined,
    );
    return this.closing;
  }

  private watch(pool: sql.ConnectionPool): sql.ConnectionPool {
    // A dropped admin connection must not crash the process.
    pool.on('error', (error: unknown) =>
      RepeatFolder.of(this.options.logger)?.warn({ err: error }, 'mssql admin connection error'),
    );
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

  /** Runs a sandbox's steps in order. */
  private async run(steps: SandboxSteps): Promise<void> {
    for (const text of steps) await this.batch(text);
  }

  /** The flavour, once its server-wide set-up (SQL Server: contained database authentication) is done. */
  private async prepareServer(): Promise<MssqlFlavour> {
    const flavour = await this.flavour();
    this.prepared ??= (async () => {
      for (const text of flavour.prepareServer) await this.batch(text);
    })();
    this.prepared.catch(() => {
      this.prepared = undefined;
    });
    await this.prepared;
    return flavour;
  }

  /** A request on the metadata database, made (database and table) on first use by whichever worker gets there first. */
  private async metaRequest(): Promise<sql.Request> {
    this.metaReady ??= (async () => {
      const db = bracket(this.metaDatabase);
      await this.ignoring([1801], () =>
        this.batch(`IF DB_ID(${nLiteral(this.metaDatabase)}) IS NULL CREATE DATABASE ${db}`),
      );
      await this.metaPool.connect();
      await this.ignoring([2714], () =>
        this.metaPool.request().batch(
          `IF OBJECT_ID(N'dbo.sandbox_meta') IS NULL
           CREATE TABLE ${META_TABLE} (name nvarchar(128) NOT NULL PRIMARY KEY, session_id nvarchar(128) NOT NULL,
             fingerprint nvarchar(256) NOT NULL, created_at bigint NOT NULL, ready bit NOT NULL)`,
        ),
      );
    })();
    this.metaReady.catch(() => {
      this.metaReady = undefined;
    });
    await this.metaReady;
    return this.metaPool.request();
  }

  /** Runs a batch, taking the given error numbers (another worker won a create race) as success. */
  private async ignoring(numbers: number[], run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (!numbers.includes((error as { number?: unknown }).number as number)) throw error;
    }
  }
}

const META_TABLE = 'dbo.sandbox_meta';
/** Babelfish's words for a database that still has a session in it. */
const IN_USE = /currently in use/i;
const DROP_ATTEMPTS = 10;
const DROP_RETRY_MS = 300;
const META_SELECT = `SELECT name, session_id, fingerprint, created_at, ready FROM ${META_TABLE}`;

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
