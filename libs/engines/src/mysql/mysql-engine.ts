import { type SandboxTarget, targetKey } from '@sqlfleet/contracts';
import { AppError, type Logger } from '@sqlfleet/core';
import mysql, { type ConnectionOptions, type Pool, type PoolConnection, type QueryError } from 'mysql2';
import type { EngineOptions } from '../engine-options.ts';
import { PooledEngine } from '../pooled-engine.ts';
import { type ScriptConnection, StaleConnection } from '../script-runner.ts';
import { isConnectionLoss, mysqlErrors } from './mysql-errors.ts';
import { splitMysql } from './mysql-splitter.ts';
import { runMysqlStatement } from './mysql-statement.ts';
import { mysqlTypeCast } from './mysql-types.ts';
import { rollBackPreparedXa } from './prepared-xa.ts';

interface TargetPool {
  pool: Pool;
  /** MariaDB limits every statement (`max_statement_time`, seconds); MySQL 8 only SELECTs (`max_execution_time`, ms). */
  flavour?: Promise<'mariadb' | 'mysql'>;
}

function run(conn: { query(sql: string, cb: (err: QueryError | null) => void): unknown }, sql: string): Promise<void> {
  return new Promise((resolve, reject) => conn.query(sql, (err) => (err ? reject(err) : resolve())));
}

/**
 * MySQL 8 and MariaDB through mysql2. Each script runs on one pooled connection, statement by
 * statement; before each one the server-side limit is set to the script's remaining time, and a
 * watchdog sends `KILL QUERY` from a connection of the server's admin at the limit. After a
 * script the session is reset (COM_RESET_CONNECTION, then `USE` the sandbox again); after a
 * timeout or a lost connection the connection is discarded.
 */
export class MysqlEngine extends PooledEngine<TargetPool> {
  readonly name = 'mysql' as const;

  constructor(options: EngineOptions = {}) {
    super('mysql', options, {
      split: splitMysql,
      errors: mysqlErrors,
      closePool: (p) => new Promise<void>((resolve) => p.pool.end(() => resolve())),
    });
  }

  async applySchema(target: SandboxTarget, batches: readonly string[]): Promise<void> {
    // Several statements per batch: the only connection that allows them, used for schema only.
    const conn = mysql.createConnection({ ...this.connectionOptions(target), multipleStatements: true });
    conn.on('error', (err) => this.log?.debug({ err, target: targetKey(target) }, 'schema connection error'));
    try {
      await this.applyBatches(target, batches, (batch) => run(conn, batch));
    } finally {
      await new Promise<void>((resolve) => conn.end(() => resolve()));
    }
  }

  protected async open(target: SandboxTarget): Promise<ScriptConnection> {
    const entry = this.pools.get(target);
    const conn = await this.checkout(entry.pool);
    const flavour = await this.flavourOf(entry, conn).catch((err: unknown) => {
      conn.destroy();
      if (isConnectionLoss(err)) throw new StaleConnection('stale', { cause: err });
      throw new AppError('SANDBOX_FAILED', 'Could not query the sandbox', { cause: err });
    });
    const threadId = conn.threadId;
    const log = this.log?.child({ target: targetKey(target), threadId });
    return {
      log,
      limitNext: (ms) => run(conn, limitStatement(flavour, ms)),
      run: (text, maxRows, budget) => runMysqlStatement(conn, text, maxRows, budget),
      cancel: () => this.kill(target, `KILL QUERY ${threadId}`),
      terminate: () => this.kill(target, `KILL ${threadId}`),
      giveBack: (discard) => this.giveBack(conn, target, discard, log),
    };
  }

  async ping(target: SandboxTarget): Promise<void> {
    const conn = await this.checkout(this.pools.get(target).pool);
    try {
      await run(conn, 'SELECT 1');
    } finally {
      conn.release();
    }
  }

  private checkout(pool: Pool): Promise<PoolConnection> {
    return new Promise((resolve, reject) =>
      pool.getConnection((err, conn) =>
        err
          ? reject(new AppError('SANDBOX_FAILED', 'Could not connect to the sandbox', { cause: err }))
          : resolve(conn),
      ),
    );
  }

  private flavourOf(entry: TargetPool, conn: PoolConnection): Promise<'mariadb' | 'mysql'> {
    entry.flavour ??= new Promise<'mariadb' | 'mysql'>((resolve, reject) =>
      conn.query({ sql: 'SELECT VERSION()', rowsAsArray: true }, (err, rows) =>
        err ? reject(err) : resolve(String((rows as unknown[][])[0]?.[0]).includes('MariaDB') ? 'mariadb' : 'mysql'),
      ),
    );
    return entry.flavour.catch((err: unknown) => {
      entry.flavour = undefined;
      throw err;
    });
  }

  /** COM_RESET_CONNECTION drops SET values, user variables, temp tables, locks and an open transaction. */
  private async giveBack(conn: PoolConnection, target: SandboxTarget, discard: boolean, log: Logger | undefined) {
    if (discard) {
      conn.destroy();
      return;
    }
    try {
      if ((await this.flavourOf(this.pools.get(target), conn)) === 'mariadb') {
        const rolledBack = await rollBackPreparedXa(conn);
        if (rolledBack > 0) log?.debug({ rolledBack }, 'rolled back prepared XA transactions left behind');
      }
      await new Promise<void>((resolve, reject) => conn.reset((err) => (err ? reject(err) : resolve())));
      // A script may have switched to another database it can see (information_schema).
      await run(conn, `USE ${mysql.escapeId(target.database)}`);
      conn.release();
    } catch (err) {
      log?.debug({ err }, 'reset failed; discarding the connection');
      conn.destroy();
    }
  }

  /** KILL from a connection of the watchdog login (the server admin): a student's SET PASSWORD cannot lock it out. */
  private async kill(target: SandboxTarget, sql: string): Promise<void> {
    const { user, password, database } = await this.watchdogLogin(target);
    const conn = mysql.createConnection({
      ...this.connectionOptions(target),
      user,
      password,
      database: database || undefined,
    });
    conn.on('error', () => undefined);
    try {
      await run(conn, sql);
    } finally {
      conn.destroy();
    }
  }

  protected createPool(target: SandboxTarget): TargetPool {
    const pool = mysql.createPool({
      ...this.connectionOptions(target),
      connectionLimit: this.options.maxConnectionsPerTarget,
      // mysql2 closes idle connections only when maxIdle is below connectionLimit: at equal values a
      // session would hold its connections until the sandbox goes, and the server runs out of them.
      maxIdle: Math.max(0, this.options.maxConnectionsPerTarget - 1),
      idleTimeout: this.options.idleTimeoutMs,
    });
    const key = targetKey(target);
    // A connection ended by KILL or DROP DATABASE must never crash the process.
    pool.on('connection', (conn) => {
      conn.on('error', (err) => this.log?.debug({ err, target: key }, 'connection error'));
    });
    return { pool };
  }

  private connectionOptions(target: SandboxTarget): ConnectionOptions {
    return {
      host: target.host,
      port: target.port,
      database: target.database,
      user: target.user,
      password: target.password,
      connectTimeout: this.options.connectTimeoutMs,
      charset: 'utf8mb4',
      multipleStatements: false,
      // No LOAD DATA LOCAL: the client never reads local files for the server.
      flags: ['-LOCAL_FILES'],
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      jsonStrings: true,
      typeCast: mysqlTypeCast,
    };
  }
}

function limitStatement(flavour: 'mariadb' | 'mysql', ms: number): string {
  return flavour === 'mariadb'
    ? `SET SESSION max_statement_time = ${(ms / 1000).toFixed(3)}`
    : `SET SESSION max_execution_time = ${ms}`;
}
