import { type Logger, RepeatFolder } from '@sqlfleet/core';
import pg from 'pg';
import { freezeSql, keeperOf, REVOKE_SHARED_RESOURCES, roleBounds, thawSql } from './postgres-bounds.ts';
import { assertSafeName } from './sandbox-names.ts';
import { scramVerifier } from './scram-verifier.ts';
import type {
  LockResult,
  SandboxMeta,
  SandboxStorage,
  ServerAdmin,
  ServerEndpoint,
  StorageControl,
} from './server-admin.ts';

export interface PostgresServerAdminOptions {
  /** Admin URL (a superuser). Default `postgres://postgres@127.0.0.1:5432/postgres`. */
  url?: string;
  /** Database holding the sandbox metadata, reachable by the admin only. Default `sqlfleet_meta`. */
  metaDatabase?: string;
  /** Connections one sandbox login may hold at once. Default 5. */
  connectionLimit?: number;
  /** temp_file_limit of each sandbox login, in MB (sorts and hashes that spill to disk). Default 256. */
  tempFileLimitMb?: number;
  /**
   * How `CREATE DATABASE … TEMPLATE` copies a sandbox. `file_copy` (the default): files copied after a
   * checkpoint; `wal_log` (PostgreSQL 15's own default): every block, catalogues included, written to the WAL.
   * 1,000 clones at once went 59–61/s against 41–47/s on one 2-core machine, and the other way round on two more.
   */
  cloneStrategy?: 'file_copy' | 'wal_log';
  logger?: Logger;
}

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
/** Sandboxes one process may be building or removing at once; more wait for a lock connection. */
const LOCK_CONNECTIONS = 8;
const ident = (name: string): string => {
  assertSafeName(name);
  return `"${name}"`;
};
const literal = (value: string): string => `'${value.replaceAll("'", "''")}'`;
const pgCode = (error: unknown): string | undefined => (error as { code?: string } | null)?.code;

/**
 * Sandboxes on a shared PostgreSQL: one database per session, owned by a login made for it with
 * no attribute beyond LOGIN, a connection limit, and CONNECT on its own database only.
 */
export class PostgresServerAdmin implements ServerAdmin {
  readonly engine = 'postgres' as const;
  readonly endpoint: ServerEndpoint;
  private readonly url: URL;
  private readonly pool: pg.Pool;
  /**
   * Advisory locks hold a connection for as long as the work inside them runs; taken from the same
   * pool as that work, a handful of concurrent ensures would hold every connection and wait forever.
   */
  private readonly lockPool: pg.Pool;
  private readonly metaDatabase: string;
  private readonly connectionLimit: number;
  private readonly tempFileLimitMb: number;
  private readonly cloneStrategy: string;
  private metaPool?: Promise<pg.Pool>;
  private closing?: Promise<void>;

  constructor(private readonly options: PostgresServerAdminOptions = {}) {
    this.url = new URL(options.url ?? DEFAULT_URL);
    this.endpoint = { host: this.url.hostname, port: Number(this.url.port || 5432) };
    this.metaDatabase = options.metaDatabase ?? 'sqlfleet_meta';
    assertSafeName(this.metaDatabase);
    this.connectionLimit = options.connectionLimit ?? 5;
    this.tempFileLimitMb = options.tempFileLimitMb ?? 256;
    this.cloneStrategy = (options.cloneStrategy ?? 'file_copy').toUpperCase();
    this.pool = this.newPool(this.url.pathname.slice(1) || 'postgres');
    this.lockPool = this.newPool(this.url.pathname.slice(1) || 'postgres', LOCK_CONNECTIONS);
  }

  async createSandbox(name: string, login: string, password: string): Promise<void> {
    await this.makeSandbox(name, login, password, '', []);
  }

  /**
   * `CREATE DATABASE … TEMPLATE`: a copy of the template's schema and rows, by the configured strategy. Its
   * objects still belong to the template's login, so they are handed to the new login inside the copy.
   */
  async cloneSandbox(template: string, templateLogin: string, name: string, login: string, password: string) {
    await this.makeSandbox(name, login, password, ` TEMPLATE ${ident(template)} STRATEGY ${this.cloneStrategy}`, [
      `REASSIGN OWNED BY ${ident(templateLogin)} TO ${ident(login)}`,
    ]);
  }

  async sealTemplate(template: string, login: string): Promise<void> {
    // The template's login owns only what is inside it (REASSIGN in a copy then touches nothing shared).
    await this.pool.query(`ALTER DATABASE ${ident(template)} OWNER TO CURRENT_USER`);
    // A template with a connection open cannot be copied: nobody may connect to it any more.
    await this.pool.query(`ALTER DATABASE ${ident(template)} WITH ALLOW_CONNECTIONS false`);
    await this.pool.query(`ALTER ROLE ${ident(login)} NOLOGIN`);
    await this.pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [template]);
  }

  private async makeSandbox(
    name: string,
    login: string,
    password: string,
    template: string,
    inside: readonly string[],
  ): Promise<void> {
    // The login and its settings in one transaction (one commit, and never a login without its bounds).
    await this.pool.query(
      `CREATE ROLE ${ident(login)} LOGIN PASSWORD ${literal(scramVerifier(password))} NOSUPERUSER NOCREATEDB NOCREATEROLE ` +
        `NOREPLICATION NOBYPASSRLS INHERIT CONNECTION LIMIT ${this.connectionLimit}; ` +
        roleBounds(ident(login), this.tempFileLimitMb),
    );
    try {
      // INHERIT matters: PG 15's `public` schema belongs to pg_database_owner, whose rights the owner inherits.
      await this.pool.query(`CREATE DATABASE ${ident(name)}${template} OWNER ${ident(login)}`);
      // PUBLIC may CONNECT and make TEMP tables in a new database by default: only the owner may.
      await this.pool.query(`REVOKE ALL ON DATABASE ${ident(name)} FROM PUBLIC`);
      await this.inDatabase(name, ...inside, REVOKE_SHARED_RESOURCES);
    } catch (error) {
      await this.dropSandbox(name, login).catch(() => undefined);
      throw error;
    }
  }

  async dropSandbox(name: string, login: string): Promise<void> {
    await this.pool.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
    await this.dropRole(login);
    await this.pool.query(`DROP ROLE IF EXISTS ${ident(keeperOf(login))}`);
    await (await this.meta()).query('DELETE FROM sandbox_meta WHERE name = $1', [name]);
  }

  async listSandboxes(prefix: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname',
      [prefix],
    );
    return rows.map((r) => r.datname);
  }

  async databaseExists(name: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return rowCount === 1;
  }

  async maxConnections(): Promise<number> {
    const { rows } = await this.pool.query<{ usable: number }>(
      `SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
       AS usable`,
    );
    return Number(rows[0]?.usable);
  }

  async setPassword(login: string, password: string): Promise<void> {
    await this.pool.query(`ALTER ROLE ${ident(login)} PASSWORD ${literal(scramVerifier(password))}`);
  }

  async readMeta(name: string): Promise<SandboxMeta | undefined> {
    const { rows } = await (await this.meta()).query<MetaRow>(`${META_SELECT} WHERE name = $1`, [name]);
    return rows[0] && toMeta(rows[0]);
  }

  async listMeta(prefix: string): Promise<Map<string, SandboxMeta>> {
    const { rows } = await (await this.meta()).query<MetaRow>(`${META_SELECT} WHERE starts_with(name, $1)`, [prefix]);
    return new Map(rows.map((r) => [r.name, toMeta(r)]));
  }

  async writeMeta(name: string, meta: SandboxMeta): Promise<void> {
    await (await this.meta()).query(
      `INSERT INTO sandbox_meta (name, session_id, fingerprint, created_at, ready) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name) DO UPDATE SET session_id = $2, fingerprint = $3, created_at = $4, ready = $5`,
      [name, meta.sessionId, meta.fingerprint, meta.createdAt, meta.ready],
    );
  }

  async withLock<T>(name: string, fn: () => Promise<T>): Promise<LockResult<T>> {
    const client = await this.lockPool.connect();
    let broken = false;
    try {
      const key = `sqlfleet:${name}`;
      const { rows } = await client.query<{ held: boolean }>(
        'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS held',
        [key],
      );
      if (!rows[0]?.held) return { held: false };
      try {
        return { held: true, value: await fn() };
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch(() => {
          broken = true;
        });
      }
    } finally {
      // A connection that could not unlock is closed, which releases the lock.
      client.release(broken);
    }
  }

  readonly storage: StorageControl = {
    measure: async (name, login) => {
      const { rows } = await this.pool.query<{ bytes: string; frozen: boolean }>(
        `SELECT pg_database_size(d.oid) AS bytes, d.datdba <> r.oid AS frozen
         FROM pg_database d JOIN pg_roles r ON r.rolname = $2 WHERE d.datname = $1`,
        [name, login],
      );
      const row = rows[0];
      return row && ({ bytes: Number(row.bytes), frozen: row.frozen } satisfies SandboxStorage);
    },
    freeze: async (name, login) => {
      const keeper = keeperOf(login);
      await this.pool.query(`CREATE ROLE ${ident(keeper)} NOLOGIN`).catch((error: unknown) => {
        if (pgCode(error) !== '42710') throw error;
      });
      await this.inDatabase(name, ...freezeSql(name, login, keeper));
    },
    thaw: async (name, login) => {
      const keeper = keeperOf(login);
      await this.inDatabase(name, ...thawSql(login, keeper));
      await this.pool.query(`DROP ROLE IF EXISTS ${ident(keeper)}`);
    },
    refusalCodes: ['42501'],
    remedy: 'TRUNCATE a table',
  };

  async boundsReport(): Promise<string[]> {
    const { rows } = await this.pool.query<{ name: string; setting: string }>(
      "SELECT name, setting FROM pg_settings WHERE name IN ('max_prepared_transactions', 'work_mem')",
    );
    const report = [
      "PostgreSQL has no bound on one backend's memory and work_mem is USERSET: a sandbox login can SET work_mem " +
        'and grow its backend by gigabytes (use SANDBOX_PROVISIONER=docker to bound memory per sandbox)',
    ];
    const prepared = rows.find((r) => r.name === 'max_prepared_transactions');
    if (prepared && Number(prepared.setting) > 0) {
      report.push(
        `max_prepared_transactions is ${prepared.setting}: a prepared transaction outlives its session and holds its locks`,
      );
    }
    report.push(...(await this.trustReport()), ...(await this.publicConnectReport()));
    return report;
  }

  /**
   * New databases let PUBLIC connect (and make TEMP tables): a sandbox login can then reach `postgres` and
   * any other database the operator did not close. Sandboxes and templates are closed by sqlfleet itself.
   */
  private async publicConnectReport(): Promise<string[]> {
    const { rows } = await this.pool.query<{ datname: string }>(
      `SELECT datname FROM pg_database
       WHERE datallowconn AND has_database_privilege('public', oid, 'CONNECT') ORDER BY datname`,
    );
    if (rows.length === 0) return [];
    const names = rows.map((r) => r.datname);
    return [
      `every login may CONNECT to ${names.join(', ')}: a sandbox login can reach ${names.length === 1 ? 'it' : 'them'} ` +
        `(and make TEMP tables there); REVOKE CONNECT, TEMP ON DATABASE … FROM PUBLIC where nothing needs it`,
    ];
  }

  /**
   * `trust` on TCP lines lets any login in with any password: a sandbox login's own password then
   * guards nothing, and it may connect to every database it has CONNECT on (`postgres` by default).
   */
  private async trustReport(): Promise<string[]> {
    const { rows } = await this.pool.query<{ line: number; address: string | null }>(
      "SELECT line_number AS line, address FROM pg_hba_file_rules WHERE type LIKE 'host%' AND auth_method = 'trust'",
    );
    return rows.map(
      (r) =>
        `pg_hba.conf line ${r.line} trusts TCP logins${r.address ? ` from ${r.address}` : ''}: any login connects ` +
        'without its password, to any database it may CONNECT to (use scram-sha-256 for sandbox logins)',
    );
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const meta = await this.metaPool?.catch(() => undefined);
      await Promise.allSettled([this.pool.end(), this.lockPool.end(), meta?.end()]);
    })();
    return this.closing;
  }

  /**
   * Drops the login. Another sandbox's owner may have granted it rights on its objects (role names
   * are visible to all), which blocks DROP ROLE: those grants are revoked database by database first.
   */
  private async dropRole(login: string): Promise<void> {
    // Gated on the role: every new sandbox clears leftovers of its name first, and reading every backend's
    // status took 1.5 ms of server CPU per build on a 1,200-slot server (pg_stat_statements, exam pre-warm).
    await this.pool.query(
      `SELECT pg_catalog.pg_terminate_backend(s.pid) FROM pg_catalog.pg_stat_get_activity(NULL) s
       WHERE EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = $1)
         AND s.usesysid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1)`,
      [login],
    );
    try {
      await this.pool.query(`DROP ROLE IF EXISTS ${ident(login)}`);
    } catch (error) {
      if (pgCode(error) !== '2BP01') throw error;
      const { rows } = await this.pool.query<{ datname: string }>(
        `SELECT DISTINCT d.datname FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid
         WHERE s.refobjid = (SELECT oid FROM pg_roles WHERE rolname = $1)`,
        [login],
      );
      this.options.logger?.warn(
        { login, databases: rows.map((r) => r.datname) },
        'revoking grants made to a sandbox login',
      );
      await this.pool.query(`DROP OWNED BY ${ident(login)}`);
      for (const { datname } of rows) await this.inDatabase(datname, `DROP OWNED BY ${ident(login)}`);
      await this.pool.query(`DROP ROLE IF EXISTS ${ident(login)}`);
    }
  }

  /**
   * Runs the statements as the admin inside `database`, sent together: one round trip and one commit
   * (a simple query of several statements is one transaction), all of them or none.
   */
  private async inDatabase(database: string, ...statements: string[]): Promise<void> {
    const client = new pg.Client({ connectionString: this.urlFor(database) });
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query(statements.join(';\n'));
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** The metadata database and table, made on first use; only the admin may connect to it. */
  private meta(): Promise<pg.Pool> {
    this.metaPool ??= (async () => {
      try {
        await this.pool.query(`CREATE DATABASE ${ident(this.metaDatabase)}`);
      } catch (error) {
        // Another worker made it first: 42P04, or 23505 when both inserted into pg_database at once.
        if (pgCode(error) !== '42P04' && pgCode(error) !== '23505') throw error;
      }
      await this.pool.query(`REVOKE ALL ON DATABASE ${ident(this.metaDatabase)} FROM PUBLIC`).catch((error) => {
        // Another worker's identical REVOKE updated the same catalog row at the same moment: it is done.
        if (!/tuple concurrently updated/.test((error as Error).message)) throw error;
      });
      const pool = this.newPool(this.metaDatabase);
      try {
        await pool.query(
          `CREATE TABLE IF NOT EXISTS sandbox_meta (name text PRIMARY KEY, session_id text NOT NULL,
           fingerprint text NOT NULL, created_at bigint NOT NULL, ready boolean NOT NULL)`,
        );
      } catch (error) {
        if (pgCode(error) !== '23505' && pgCode(error) !== '42P07') throw error;
      }
      return pool;
    })();
    this.metaPool.catch(() => {
      this.metaPool = undefined;
    });
    return this.metaPool;
  }

  private urlFor(database: string): string {
    const url = new URL(this.url);
    url.pathname = `/${database}`;
    return url.toString();
  }

  private newPool(database: string, max = 4): pg.Pool {
    const pool = new pg.Pool({ connectionString: this.urlFor(database), max, idleTimeoutMillis: 10_000 });
    // An idle admin connection that dies must not crash the process.
    pool.on('error', (error) =>
      RepeatFolder.of(this.options.logger)?.warn({ err: error }, 'postgres admin connection lost'),
    );
    return pool;
  }
}

interface MetaRow {
  name: string;
  session_id: string;
  fingerprint: string;
  created_at: string;
  ready: boolean;
}

const META_SELECT = 'SELECT name, session_id, fingerprint, created_at, ready FROM sandbox_meta';
const toMeta = (r: MetaRow): SandboxMeta => ({
  sessionId: r.session_id,
  fingerprint: r.fingerprint,
  createdAt: Number(r.created_at),
  ready: r.ready,
});
