import { type SandboxTarget, targetKey } from '@sqlfleet/contracts';
import { AppError, type Logger, RepeatFolder } from '@sqlfleet/core';
import sql from 'mssql';

export interface MssqlConnectionOptions {
  /** TLS to the server. Default true; sandbox servers are internal, so their certificate is trusted. */
  encrypt?: boolean;
  /** Time to open a connection and log in. Default 15 000 ms. */
  connectTimeoutMs?: number;
  /** An idle connection is closed after this. Default 5 000 ms. */
  idleTimeoutMs?: number;
  /** Request timeout for schema batches and pings (scripts get their own limit). Default 60 000 ms. */
  adminRequestTimeoutMs?: number;
  /** How long tedious waits for the server to acknowledge a cancel before dropping the connection. Default 2 000 ms. */
  cancelTimeoutMs?: number;
}

/** The mssql config for one sandbox login. */
export function poolConfig(target: SandboxTarget, options: MssqlConnectionOptions): sql.config {
  return {
    server: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    password: target.password,
    connectionTimeout: options.connectTimeoutMs ?? 15_000,
    requestTimeout: options.adminRequestTimeoutMs ?? 60_000,
    // One connection per sandbox: a session runs one script at a time, and every batch of a script
    // must reach the same session (temp tables, SET options, an open transaction).
    // As for the other engines: between a student's queries the session holds no server connection.
    pool: { min: 0, max: 1, idleTimeoutMillis: options.idleTimeoutMs ?? 5_000 },
    options: {
      encrypt: options.encrypt ?? true,
      trustServerCertificate: true,
      // Dates come back with the server's wall-clock fields as their UTC fields, whatever the worker's zone.
      useUTC: true,
      appName: 'sqlfleet',
      cancelTimeout: options.cancelTimeoutMs ?? 2_000,
    },
  };
}

/** A connected mssql pool per target, made on first use. */
export class MssqlPools {
  private readonly pools = new Map<string, Promise<sql.ConnectionPool>>();

  constructor(
    private readonly options: MssqlConnectionOptions,
    private readonly logger?: Logger,
  ) {}

  get(target: SandboxTarget): Promise<sql.ConnectionPool> {
    const key = targetKey(target);
    let pool = this.pools.get(key);
    if (!pool) {
      pool = this.connect(target);
      this.pools.set(key, pool);
      // A failed connect is not kept: the next call tries again.
      pool.catch(() => {
        if (this.pools.get(key) === pool) this.pools.delete(key);
      });
    }
    return pool;
  }

  /** Closes the target's pool; the next `get` makes a new one. */
  async drop(target: SandboxTarget): Promise<void> {
    const key = targetKey(target);
    const pool = this.pools.get(key);
    if (!pool) return;
    this.pools.delete(key);
    await closeQuietly(pool);
  }

  async closeAll(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map(closeQuietly));
  }

  private async connect(target: SandboxTarget): Promise<sql.ConnectionPool> {
    const pool = new sql.ConnectionPool(poolConfig(target, this.options));
    // A connection that drops (KILL, server restart) is reported here; unheard, it would crash the process.
    pool.on('error', (error: unknown) =>
      RepeatFolder.of(this.logger)?.warn({ err: error, database: target.database }, 'mssql sandbox connection error'),
    );
    try {
      return await pool.connect();
    } catch (error) {
      await pool.close().catch(() => undefined);
      throw new AppError('SANDBOX_FAILED', `Could not connect to the SQL Server sandbox ${target.database}`, {
        cause: error,
      });
    }
  }
}

async function closeQuietly(pool: Promise<sql.ConnectionPool>): Promise<void> {
  try {
    await (await pool).close();
  } catch {
    // A pool that never connected, or is already closed, has nothing left to release.
  }
}
