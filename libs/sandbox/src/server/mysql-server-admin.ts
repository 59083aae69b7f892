import { createHmac, randomBytes } from 'node:crypto';
import { type Logger, RepeatFolder } from '@sqlfleet/core';
import { rollBackPreparedXa } from '@sqlfleet/engines';
import mysql, { type Pool, type RowDataPacket } from 'mysql2/promise';
import { mysqlBoundsReport } from './mysql-bounds.ts';
import { MysqlTemplateCopy } from './mysql-template-copy.ts';
import { assertSafeName } from './sandbox-names.ts';
import type { LockResult, SandboxMeta, ServerAdmin, ServerEndpoint, StorageControl } from './server-admin.ts';

export interface MysqlServerAdminOptions {
  /** Admin URL (root or an account WITH GRANT OPTION). Default `mysql://root@127.0.0.1:3306/mysql`. */
  url?: string;
  /** Database holding the sandbox metadata; sandbox logins have no right on it. Default `sqlfleet_meta`. */
  metaDatabase?: string;
  /** Connections one sandbox login may hold at once. Default 5. */
  connectionLimit?: number;
  logger?: Logger;
}

const DEFAULT_URL = 'mysql://root@127.0.0.1:3306/mysql';
/** Sandboxes one process may be building or removing at once; more wait for a lock connection. */
const LOCK_CONNECTIONS = 8;

/**
 * What a sandbox login may do in its own database. Left out: EVENT (a scheduled event runs on the
 * server's own thread, out of reach of the query watchdog), GRANT OPTION, and every global
 * privilege (FILE, SUPER, PROCESS, CREATE USER...), which a database-level GRANT cannot carry.
 */
const SANDBOX_PRIVILEGES = [
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'CREATE',
  'DROP',
  'ALTER',
  'INDEX',
  'REFERENCES',
  'CREATE TEMPORARY TABLES',
  'LOCK TABLES',
  'CREATE VIEW',
  'SHOW VIEW',
  'CREATE ROUTINE',
  'ALTER ROUTINE',
  'EXECUTE',
  'TRIGGER',
].join(', ');

/**
 * Taken away past the storage cap: every right that adds data or objects. What stays (SELECT, DELETE,
 * DROP, SHOW VIEW, EXECUTE) lets the student read and remove data; a trigger or routine runs with its
 * definer's rights, which is this login, so it cannot write either.
 */
const WRITE_PRIVILEGES = [
  'INSERT',
  'UPDATE',
  'CREATE',
  'ALTER',
  'INDEX',
  'REFERENCES',
  'CREATE TEMPORARY TABLES',
  'LOCK TABLES',
  'CREATE VIEW',
  'CREATE ROUTINE',
  'ALTER ROUTINE',
  'TRIGGER',
].join(', ');

const ident = (name: string): string => {
  assertSafeName(name);
  return `\`${name}\``;
};
/** In a database-level GRANT, `_` is a wildcard: unescaped, `a_b` would also grant `aXb` (and let the login create it). */
const grantIdent = (name: string): string => ident(name).replaceAll('_', '\\_');
/** The login exists for any client host: workers connect over TCP from wherever they run. */
const account = (login: string): string => {
  assertSafeName(login);
  return `'${login}'@'%'`;
};

/** mysql2 copies the statement, password included, onto its errors as `sql`: keep it out of logs. */
async function hidingPassword<T>(run: Promise<T>): Promise<T> {
  try {
    return await run;
  } catch (error) {
    if (error && typeof error === 'object' && 'sql' in error) delete (error as { sql?: string }).sql;
    throw error;
  }
}

/**
 * Sandboxes on a shared MySQL/MariaDB: one database per session and a login whose only grants are
 * on that database, with a connection cap. Metadata lives in a table only the admin can read
 * (MySQL 8 has no schema comments, and a table reads the same on both).
 */
export class MysqlServerAdmin implements ServerAdmin {
  readonly engine = 'mysql' as const;
  readonly endpoint: ServerEndpoint;
  private readonly pool: Pool;
  private readonly metaTable: string;
  private readonly metaDatabase: string;
  private readonly connectionLimit: number;
  /**
   * GET_LOCK holds a connection for as long as the work inside it runs; taken from the same pool as
   * that work, a handful of concurrent ensures would hold every connection and wait forever.
   */
  private readonly lockPool: Pool;
  private readonly copyPool: Pool;
  private readonly templates: MysqlTemplateCopy;
  private metaReady?: Promise<void>;
  private lockKey?: Promise<string>;
  private closing?: Promise<void>;

  constructor(options: MysqlServerAdminOptions = {}) {
    const url = new URL(options.url ?? DEFAULT_URL);
    this.endpoint = { host: url.hostname, port: Number(url.port || 3306) };
    this.metaDatabase = options.metaDatabase ?? 'sqlfleet_meta';
    this.metaTable = `${ident(this.metaDatabase)}.sandbox_meta`;
    this.connectionLimit = options.connectionLimit ?? 5;
    const newPool = (connectionLimit: number, multipleStatements = false): Pool => {
      const pool = mysql.createPool({
        host: this.endpoint.host,
        port: this.endpoint.port,
        user: decodeURIComponent(url.username || 'root'),
        password: decodeURIComponent(url.password),
        database: url.pathname.slice(1) || undefined,
        connectionLimit,
        multipleStatements,
        maxIdle: 2,
        idleTimeout: 10_000,
      });
      // mysql2 emits connection errors on the underlying pool: never let one crash the process.
      pool.pool.on('error', (error: unknown) =>
        RepeatFolder.of(options.logger)?.warn({ err: error }, 'mysql admin connection lost'),
      );
      return pool;
    };
    this.pool = newPool(4);
    this.lockPool = newPool(LOCK_CONNECTIONS);
    // Only our own template copy scripts go through it (names checked, statements from SHOW CREATE TABLE).
    this.copyPool = newPool(2, true);
    this.templates = new MysqlTemplateCopy(this.copyPool);
  }

  async cloneSandbox(template: string, _templateLogin: string, name: string, login: string, password: string) {
    await this.createSandbox(name, login, password);
    try {
      await this.templates.copy(template, name);
    } catch (error) {
      await this.dropSandbox(name, login).catch(() => undefined);
      throw error;
    }
  }

  async sealTemplate(template: string, login: string): Promise<void> {
    await this.templates.check(template);
    // The template is read by the admin only from now on.
    await this.pool.query(`DROP USER IF EXISTS ${account(login)}`);
    const [threads] = await this.pool.query<RowDataPacket[]>(
      'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?',
      [login],
    );
    for (const { id } of threads) await this.pool.query('KILL CONNECTION ?', [id]).catch(() => undefined);
  }

  async createSandbox(name: string, login: string, password: string): Promise<void> {
    await this.pool.query(`CREATE DATABASE ${ident(name)}`);
    try {
      await hidingPassword(
        this.pool.query(
          `CREATE USER ${account(login)} IDENTIFIED BY ? WITH MAX_USER_CONNECTIONS ${this.connectionLimit}`,
          [password],
        ),
      );
      await this.pool.query(`GRANT ${SANDBOX_PRIVILEGES} ON ${grantIdent(name)}.* TO ${account(login)}`);
    } catch (error) {
      await this.dropSandbox(name, login).catch(() => undefined);
      throw error;
    }
  }

  async dropSandbox(name: string, login: string): Promise<void> {
    // DROP USER leaves the login's open connections running with their rights: end them after it.
    await this.pool.query(`DROP USER IF EXISTS ${account(login)}`);
    const [threads] = await this.pool.query<RowDataPacket[]>(
      'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?',
      [login],
    );
    for (const { id } of threads) await this.pool.query('KILL CONNECTION ?', [id]).catch(() => undefined);
    // A prepared XA transaction outlives its connection and would keep DROP DATABASE waiting for good.
    await rollBackPreparedXa(
      async (sql: string) => (await this.pool.query({ sql, rowsAsArray: true }))[0] as unknown[][],
    );
    await this.pool.query(`DROP DATABASE IF EXISTS ${ident(name)}`);
    await this.meta();
    await this.pool.query(`DELETE FROM ${this.metaTable} WHERE name = ?`, [name]);
  }

  async listSandboxes(prefix: string): Promise<string[]> {
    // Not LIKE: `_` in the prefix would be a wildcard.
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE LEFT(SCHEMA_NAME, ?) = ? ORDER BY 1',
      [prefix.length, prefix],
    );
    return rows.map((r) => String(r.name));
  }

  async databaseExists(name: string): Promise<boolean> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [name],
    );
    return rows.length === 1;
  }

  async maxConnections(): Promise<number> {
    const [rows] = await this.pool.query<RowDataPacket[]>('SELECT @@max_connections AS max');
    return Number(rows[0]?.max);
  }

  async setPassword(login: string, password: string): Promise<void> {
    await hidingPassword(this.pool.query(`ALTER USER ${account(login)} IDENTIFIED BY ?`, [password]));
  }

  async readMeta(name: string): Promise<SandboxMeta | undefined> {
    await this.meta();
    const [rows] = await this.pool.query<RowDataPacket[]>(`${this.metaSelect()} WHERE name = ?`, [name]);
    return rows[0] && toMeta(rows[0]);
  }

  async listMeta(prefix: string): Promise<Map<string, SandboxMeta>> {
    await this.meta();
    const [rows] = await this.pool.query<RowDataPacket[]>(`${this.metaSelect()} WHERE LEFT(name, ?) = ?`, [
      prefix.length,
      prefix,
    ]);
    return new Map(rows.map((r) => [String(r.name), toMeta(r)]));
  }

  async writeMeta(name: string, meta: SandboxMeta): Promise<void> {
    await this.meta();
    await this.pool.query(
      `INSERT INTO ${this.metaTable} (name, session_id, fingerprint, created_at, ready) VALUES (?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE session_id = VALUES(session_id), fingerprint = VALUES(fingerprint),
       created_at = VALUES(created_at), ready = VALUES(ready)`,
      [name, meta.sessionId, meta.fingerprint, meta.createdAt, meta.ready],
    );
  }

  async withLock<T>(name: string, fn: () => Promise<T>): Promise<LockResult<T>> {
    const lock = await this.lockName(name);
    const connection = await this.lockPool.getConnection();
    let broken = false;
    try {
      const [rows] = await connection.query<RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS held', [lock]);
      if (Number(rows[0]?.held) !== 1) return { held: false };
      try {
        return { held: true, value: await fn() };
      } finally {
        await connection.query('SELECT RELEASE_LOCK(?)', [lock]).catch(() => {
          broken = true;
        });
      }
    } finally {
      // A connection that could not unlock is destroyed, which releases the lock.
      if (broken) connection.destroy();
      else connection.release();
    }
  }

  readonly storage: StorageControl = {
    measure: async (name, login) => {
      // File sizes of the database's InnoDB tablespaces (exact now, unlike TABLES.DATA_LENGTH, which
      // follows the statistics), plus any other engine's tables when the server does not enforce InnoDB.
      const [rows] = await this.pool.query<RowDataPacket[]>(
        `SELECT (SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?) AS found,
           (SELECT COALESCE(SUM(ALLOCATED_SIZE), 0) FROM information_schema.INNODB_SYS_TABLESPACES
             WHERE LEFT(NAME, ?) = ?) +
           (SELECT COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) FROM information_schema.TABLES
             WHERE TABLE_SCHEMA = ? AND ENGINE <> 'InnoDB') AS bytes,
           (SELECT COUNT(*) FROM mysql.db WHERE User = ? AND Host = '%' AND Insert_priv = 'Y') AS writable`,
        [name, name.length + 1, `${name}/`, name, login],
      );
      const row = rows[0];
      if (!row || Number(row.found) === 0) return undefined;
      return { bytes: Number(row.bytes), frozen: Number(row.writable) === 0 };
    },
    // A database-level change reaches an open connection only at its next USE: the caller releases the pool.
    freeze: async (name, login) => {
      await this.pool.query(`REVOKE ${WRITE_PRIVILEGES} ON ${grantIdent(name)}.* FROM ${account(login)}`);
    },
    thaw: async (name, login) => {
      await this.pool.query(`GRANT ${SANDBOX_PRIVILEGES} ON ${grantIdent(name)}.* TO ${account(login)}`);
    },
    // 1142: command denied for a table; 1044: access denied to the database (CREATE VIEW, routines).
    refusalCodes: ['1142', '1143', '1044'],
    remedy: 'DROP or TRUNCATE a table',
  };

  boundsReport(): Promise<string[]> {
    return mysqlBoundsReport(this.pool);
  }

  close(): Promise<void> {
    this.closing ??= Promise.allSettled([this.pool.end(), this.lockPool.end(), this.copyPool.end()]).then(
      () => undefined,
    );
    return this.closing;
  }

  private meta(): Promise<void> {
    this.metaReady ??= (async () => {
      await this.pool.query(`CREATE DATABASE IF NOT EXISTS ${ident(this.metaDatabase)}`);
      await this.pool.query(
        `CREATE TABLE IF NOT EXISTS ${this.metaTable} (name VARCHAR(64) PRIMARY KEY, session_id TEXT NOT NULL,
         fingerprint VARCHAR(255) NOT NULL, created_at BIGINT NOT NULL, ready BOOLEAN NOT NULL)`,
      );
    })();
    this.metaReady.catch(() => {
      this.metaReady = undefined;
    });
    return this.metaReady;
  }

  /**
   * GET_LOCK names are server-wide and any login may take any name: one named after the sandbox would let a
   * student who knows a neighbour's sandbox name hold its lock and fail its next query. The name is keyed
   * with a secret kept in the metadata database, which sandbox logins cannot read (at most 64 characters).
   */
  private async lockName(name: string): Promise<string> {
    this.lockKey ??= (async () => {
      await this.meta();
      const table = `${ident(this.metaDatabase)}.lock_key`;
      await this.pool.query(`CREATE TABLE IF NOT EXISTS ${table} (id TINYINT PRIMARY KEY, secret CHAR(64) NOT NULL)`);
      // The first process to get here sets the key for every worker of every fleet on this server.
      await this.pool.query(`INSERT IGNORE INTO ${table} (id, secret) VALUES (1, ?)`, [
        randomBytes(32).toString('hex'),
      ]);
      const [rows] = await this.pool.query<RowDataPacket[]>(`SELECT secret FROM ${table} WHERE id = 1`);
      return String(rows[0]?.secret);
    })();
    this.lockKey.catch(() => {
      this.lockKey = undefined;
    });
    const key = await this.lockKey;
    return `sqlfleet:${createHmac('sha256', key).update(name).digest('hex').slice(0, 48)}`;
  }

  private metaSelect(): string {
    return `SELECT name, session_id, fingerprint, created_at, ready FROM ${this.metaTable}`;
  }
}

const toMeta = (r: RowDataPacket): SandboxMeta => ({
  sessionId: String(r.session_id),
  fingerprint: String(r.fingerprint),
  createdAt: Number(r.created_at),
  ready: Boolean(r.ready),
});
