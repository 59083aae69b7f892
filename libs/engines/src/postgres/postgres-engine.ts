import { type SandboxTarget, targetKey } from '@sqlfleet/contracts';
import { AppError, type Logger } from '@sqlfleet/core';
import pg from 'pg';
import type { EngineOptions } from '../engine-options.ts';
import { PooledEngine } from '../pooled-engine.ts';
import type { ScriptConnection } from '../script-runner.ts';
import { postgresErrors } from './postgres-errors.ts';
import { splitPostgres } from './postgres-splitter.ts';
import { runPostgresStatement } from './postgres-statement.ts';
import { POSTGRES_TYPES } from './postgres-types.ts';
import { TypeNames } from './type-names.ts';

interface TargetPool {
  pool: pg.Pool;
  typeNames: TypeNames;
}

/**
 * PostgreSQL through node-postgres. Each script runs on one pooled connection; statements go
 * one by one through a cursor (so row caps stop reading), each under `statement_timeout` set to
 * the script's remaining time, with a watchdog that cancels through `pg_catalog.pg_cancel_backend` as the server's admin.
 * After a script the connection is reset with `ROLLBACK` + `DISCARD ALL`; after a timeout or a
 * lost connection it is discarded instead.
 */
export class PostgresEngine extends PooledEngine<TargetPool> {
  readonly name = 'postgres' as const;

  constructor(options: EngineOptions = {}) {
    super('postgres', options, { split: splitPostgres, errors: postgresErrors, closePool: (p) => p.pool.end() });
  }

  async applySchema(target: SandboxTarget, batches: readonly string[]): Promise<void> {
    const client = new pg.Client({ ...this.connectionConfig(target), types: POSTGRES_TYPES });
    client.on('error', (err) => this.log?.debug({ err, target: targetKey(target) }, 'schema connection error'));
    await client.connect();
    try {
      // No parameters: the simple query protocol, so one batch may hold several statements.
      await this.applyBatches(target, batches, (batch) => client.query(batch));
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async ping(target: SandboxTarget): Promise<void> {
    await this.pools.get(target).pool.query('SELECT 1');
  }

  protected async open(target: SandboxTarget): Promise<ScriptConnection> {
    const { pool, typeNames } = this.pools.get(target);
    const client = await pool.connect().catch((err: unknown) => {
      throw new AppError('SANDBOX_FAILED', 'Could not connect to the sandbox', { cause: err });
    });
    const pid = (client as unknown as { processID: number }).processID;
    const log = this.log?.child({ target: targetKey(target), pid });
    return {
      log,
      limitNext: async (ms) => {
        await client.query(`SET statement_timeout = ${ms}`);
      },
      run: (text, maxRows, budget) =>
        runPostgresStatement(client, text, maxRows, budget, typeNames, () => {
          this.signalBackend(target, pid, 'pg_cancel_backend').catch((err: unknown) =>
            log?.debug({ err }, 'cancelling a refused COPY failed'),
          );
        }).then((result) => [result]),
      cancel: () => this.signalBackend(target, pid, 'pg_cancel_backend'),
      terminate: () => this.signalBackend(target, pid, 'pg_terminate_backend'),
      giveBack: (discard) => this.giveBack(client, discard, log),
    };
  }

  /** Resets session state (SET, temp tables, open transaction) so nothing leaks into the next script. */
  private async giveBack(client: pg.PoolClient, discard: boolean, log: Logger | undefined): Promise<void> {
    if (discard) {
      client.release(true);
      return;
    }
    try {
      await client.query('ROLLBACK');
      await client.query('DISCARD ALL');
      client.release();
    } catch (err) {
      log?.debug({ err }, 'reset failed; discarding the connection');
      client.release(true);
    }
  }

  /**
   * Cancels or ends the script's backend from a connection of the watchdog login (the server admin),
   * which the student can neither lock out nor shadow: the function is named in pg_catalog, and only a
   * backend of the sandbox login is signalled (a pid the OS gave to another backend since is left alone).
   */
  private async signalBackend(target: SandboxTarget, pid: number, fn: 'pg_cancel_backend' | 'pg_terminate_backend') {
    const login = await this.watchdogLogin(target);
    const client = new pg.Client({ ...this.connectionConfig(target), ...login, application_name: 'sqlfleet-watchdog' });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query(
        `SELECT pg_catalog.${fn}(pid) FROM pg_catalog.pg_stat_activity WHERE pid OPERATOR(pg_catalog.=) $1 AND usename OPERATOR(pg_catalog.=) $2`,
        [pid, target.user],
      );
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  protected createPool(target: SandboxTarget): TargetPool {
    const pool = new pg.Pool({
      ...this.connectionConfig(target),
      types: POSTGRES_TYPES,
      max: this.options.maxConnectionsPerTarget,
      idleTimeoutMillis: this.options.idleTimeoutMs,
    });
    const key = targetKey(target);
    // A backend ended by pg_terminate_backend or DROP DATABASE … WITH (FORCE) must never crash the process.
    pool.on('error', (err) => this.log?.debug({ err, target: key }, 'idle connection error'));
    pool.on('connect', (client) => {
      client.on('error', (err) => this.log?.debug({ err, target: key }, 'connection error'));
    });
    return { pool, typeNames: new TypeNames() };
  }

  private connectionConfig(target: SandboxTarget): pg.ClientConfig {
    return {
      host: target.host,
      port: target.port,
      database: target.database,
      user: target.user,
      password: target.password,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
      application_name: 'sqlfleet',
    };
  }
}
