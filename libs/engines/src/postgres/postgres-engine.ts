import { type SandboxTarget, targetKey } from '@sqlfleet/contracts';
import type { Logger } from '@sqlfleet/core';
import pg from 'pg';
import type { EngineOptions } from '../engine-options.ts';
import { PooledEngine } from '../pooled-engine.ts';
import type { ScriptConnection } from '../script-runner.ts';
import { postgresConnectFailure, postgresErrors } from './postgres-errors.ts';
import { splitPostgres } from './postgres-splitter.ts';
import { runPostgresStatement } from './postgres-statement.ts';
import { POSTGRES_TYPES } from './postgres-types.ts';
import { TypeNames } from './type-names.ts';

/** One connection of a sandbox login, with the type names of its database. */
interface PgConnection {
  client: pg.Client;
  typeNames: TypeNames;
  /** Set once the server or the socket ended it: it is never handed out again. */
  lost: boolean;
}

/**
 * PostgreSQL through node-postgres. Each script runs on one connection from the engine's budget;
 * statements go one by one through a cursor (so row caps stop reading), each under
 * `statement_timeout` set to the script's remaining time, with a watchdog that cancels through
 * `pg_catalog.pg_cancel_backend` as the server's admin. After a script the connection is reset
 * with `ROLLBACK` + `DISCARD ALL`; after a timeout or a lost connection it is discarded instead.
 */
export class PostgresEngine extends PooledEngine<PgConnection> {
  readonly name = 'postgres' as const;

  constructor(options: EngineOptions = {}) {
    super('postgres', options, {
      split: splitPostgres,
      errors: postgresErrors,
      closeConnection: (conn) => conn.client.end(),
      alive: (conn) => !conn.lost,
    });
  }

  async applySchema(target: SandboxTarget, batches: readonly string[]): Promise<void> {
    // No parameters: the simple query protocol, so one batch may hold several statements. The
    // connection then stays idle for the session's first query.
    await this.withConnection(target, (conn) =>
      this.applyBatches(target, batches, (batch) => conn.client.query(batch)),
    );
  }

  async ping(target: SandboxTarget): Promise<void> {
    await this.withConnection(target, (conn) => conn.client.query('SELECT 1'));
  }

  protected async open(target: SandboxTarget): Promise<ScriptConnection> {
    const conn = await this.borrow(target);
    const { client, typeNames } = conn;
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
      giveBack: (discard) => this.giveBack(target, conn, discard, log),
    };
  }

  protected async connect(target: SandboxTarget): Promise<PgConnection> {
    const client = new pg.Client({ ...this.connectionConfig(target), types: POSTGRES_TYPES });
    const conn: PgConnection = { client, typeNames: new TypeNames(), lost: false };
    const key = targetKey(target);
    // A backend ended by pg_terminate_backend or DROP DATABASE … WITH (FORCE) must never crash the process.
    client.on('error', (err) => {
      conn.lost = true;
      this.log?.debug({ err, target: key }, 'connection error');
    });
    client.on('end', () => {
      conn.lost = true;
    });
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw postgresConnectFailure(err);
    }
    return conn;
  }

  /** Resets session state (SET, temp tables, open transaction) so nothing leaks into the next script. */
  private async giveBack(
    target: SandboxTarget,
    conn: PgConnection,
    discard: boolean,
    log: Logger | undefined,
  ): Promise<void> {
    if (!discard) {
      try {
        await conn.client.query('ROLLBACK');
        await conn.client.query('DISCARD ALL');
      } catch (err) {
        log?.debug({ err }, 'reset failed; discarding the connection');
        discard = true;
      }
    }
    this.giveBackConnection(target, conn, discard);
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
