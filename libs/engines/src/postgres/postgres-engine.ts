import { type QueryLimits, type SandboxTarget, targetKey } from '@sqlfleet/contracts';
import type { Logger } from '@sqlfleet/core';
import pg from 'pg';
import type { EngineOptions } from '../engine-options.ts';
import { PooledEngine } from '../pooled-engine.ts';
import {
  type RecordedTransactions,
  type ScriptConnection,
  StaleConnection,
  UnsupportedStatement,
} from '../script-runner.ts';
import { MESSAGE_TOO_LARGE } from './message-size-guard.ts';
import { postgresConnectFailure, postgresErrors } from './postgres-errors.ts';
import { splitPostgres } from './postgres-splitter.ts';
import { runPostgresStatement } from './postgres-statement.ts';
import { POSTGRES_TYPES } from './postgres-types.ts';
import { prewrittenQuery } from './prewritten-query.ts';
import { isRecordableStatement } from './recordable-statement.ts';
import { sandboxSocket } from './sandbox-socket.ts';
import { TypeNames } from './type-names.ts';

/** One connection of a sandbox login, with the type names of its database. */
interface PgConnection {
  client: pg.Client;
  typeNames: TypeNames;
  /** Set once the server or the socket ended it: it is never handed out again. */
  lost: boolean;
  /** Holds what no reset has cleared since (a schema applied, a script whose reset failed): reset before the next script. */
  used: boolean;
  /** The `statement_timeout` (ms) the last reset left in force, until the next script's first statement. */
  presetMs?: number;
  /** The reset written behind the last statement of the script in hand (see `prewriteReset`). */
  resetting?: Promise<void>;
  /**
   * Rejects once the connection is lost. A query in flight when the socket died does not always settle
   * (a write that failed with EPIPE as the server shut down left its promise pending until the time
   * limit, answered QUERY_TIMEOUT): every round trip of a script races this.
   */
  gone: Promise<never>;
}

/**
 * What `DISCARD ALL` does, as statements that can share one round trip with the `SET` of the next
 * script's limit (`DISCARD ALL` itself refuses the implicit transaction of a multi-statement query).
 * Functions are named in pg_catalog: the student may have shadowed them in their own schema.
 */
const RESET_SESSION =
  'CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; DEALLOCATE ALL; UNLISTEN *; ' +
  'SELECT pg_catalog.pg_advisory_unlock_all(); DISCARD PLANS; DISCARD TEMP; DISCARD SEQUENCES';

/** The sandbox's own tables, each as a name to select from (regclass quotes it). */
const SANDBOX_TABLES = `SELECT c.oid::pg_catalog.regclass::pg_catalog.text AS name FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'`;

/** Opens a recorded run's transaction and names it (xid8: never wraps around). */
const BEGIN_NAMED = 'BEGIN; SELECT pg_catalog.pg_current_xact_id()::text AS id';

/** How long a re-run waits for an earlier run's transaction, whose backend was told to end, to finish. */
const SETTLE_MS = 10_000;

/**
 * How far the limit a reset left in force may be above a script's first statement's for that statement to
 * keep it instead of setting its own: the client-side deadline stops it at the script's limit anyway.
 */
const PRESET_SLACK_MS = 50;

/** The reset between two scripts, leaving the next script's limit in force. */
const resetFor = (limitMs: number) => `${RESET_SESSION}; SET statement_timeout = ${limitMs}`;

/**
 * PostgreSQL through node-postgres. Each script runs on one connection from the engine's budget;
 * statements go one by one through a cursor (so row caps stop reading), each under
 * `statement_timeout` set to the script's remaining time, with a watchdog that cancels through
 * `pg_catalog.pg_cancel_backend` as the server's admin. After a script the session is reset (a
 * transaction left open rolled back, settings, temporary tables, prepared statements, advisory locks
 * cleared) and the script's limit set again, before the connection goes back to the budget. A script
 * that completes sends that reset in the same write as its last statement's Close and Sync: it runs
 * while the answer goes out, and a next script of the same limit sends its first statement straight
 * away (a warm query is two round trips: the statement, and its commit). After a timeout or a lost
 * connection the connection is discarded instead.
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
    await this.withConnection(target, (conn) => {
      conn.used = true;
      return this.applyBatches(target, batches, (batch) => conn.client.query(batch));
    });
  }

  async ping(target: SandboxTarget): Promise<void> {
    await this.withConnection(target, (conn) => conn.client.query('SELECT 1'));
  }

  protected async open(target: SandboxTarget, limits: QueryLimits): Promise<ScriptConnection> {
    const conn = await this.borrow(target);
    const { typeNames } = conn;
    /** No round trip yet on this checkout: the first statement goes under the limit the last reset left. */
    let untested = false;
    /** A simple query of the script's, or its loss if the connection dies meanwhile. */
    const send = (text: string) => Promise.race([conn.client.query(text), conn.gone]);
    const pid = (conn.client as unknown as { processID: number }).processID;
    const log = this.log?.child({ target: targetKey(target), pid });
    /** The next statement's limit, after the reset of what the last script left when there is one. */
    const limit = async (ms: number, then = ''): Promise<pg.QueryResult[]> => {
      const preset = conn.presetMs;
      conn.presetMs = undefined;
      if (!conn.used && preset !== undefined && preset >= ms && preset - ms <= PRESET_SLACK_MS) {
        if (then) return asList(await send(then));
        untested = true;
        return [];
      }
      if (!conn.used) return asList(await send(`SET statement_timeout = ${ms}${then ? `; ${then}` : ''}`));
      // The reset is committed before a transaction of ours opens: its rollback must not undo it.
      const results = await send(`${resetFor(ms)}${then ? `; COMMIT; ${then}` : ''}`).catch((err: unknown) => {
        // Whatever stopped the reset, the script has not started: run it on a fresh connection.
        throw new StaleConnection('the pooled connection could not be reset', { cause: err });
      });
      conn.used = false;
      return asList(results);
    };
    const transactions: RecordedTransactions = {
      canWrap: isRecordableStatement,
      limitAndBegin: async (ms) => String((await limit(ms, BEGIN_NAMED)).at(-1)?.rows[0]?.id),
      commit: () => send('COMMIT').then(() => undefined),
      settle: (id) => this.settle(target, id),
    };
    return {
      log,
      transactions,
      limitNext: (ms) => limit(ms).then(() => undefined),
      run: async (text, maxRows, budget, last) => {
        const first = untested;
        untested = false;
        let completed = false;
        const hooks = {
          stopServer: () => {
            this.signalBackend(target, pid, 'pg_cancel_backend').catch((err: unknown) =>
              log?.debug({ err }, 'stopping a refused statement failed'),
            );
          },
          afterComplete: () => {
            completed = true;
            if (last) this.prewriteReset(conn, limits.timeoutMs);
          },
        };
        try {
          return [
            await Promise.race([runPostgresStatement(conn.client, text, maxRows, budget, typeNames, hooks), conn.gone]),
          ];
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === MESSAGE_TOO_LARGE) {
            throw new UnsupportedStatement(
              'A value in this result is too large to return (over 256 MiB): select part of it (left(), length())',
              { cause: err },
            );
          }
          // A pooled connection that died while idle shows only now. Before the statement's CommandComplete
          // nothing of it has committed (its Sync is sent after): the script runs again on a fresh connection.
          if (first && !completed && postgresErrors.isConnectionLoss(err)) {
            throw new StaleConnection('the pooled connection was found dead by the first statement', { cause: err });
          }
          throw err;
        }
      },
      cancel: () => this.signalBackend(target, pid, 'pg_cancel_backend'),
      terminate: () => this.signalBackend(target, pid, 'pg_terminate_backend'),
      giveBack: async (discard) => this.giveBack(target, conn, discard, limits.timeoutMs, log),
    };
  }

  /**
   * Writes the reset for the next script right behind the last statement's Close and Sync (the same tick, so
   * the same write): the server runs it while the answer goes out. Its answer is read as the next query on
   * the connection (pg takes queries in order), with nothing more to send.
   */
  private prewriteReset(conn: PgConnection, limitMs: number): void {
    const text = resetFor(limitMs);
    (conn.client as unknown as { connection: { query(text: string): void } }).connection.query(text);
    conn.resetting = prewrittenQuery(conn.client, text);
  }

  /**
   * The first script's limit set ahead (its first statement then goes at once, as after a reset), and each
   * table of the sandbox planned once: a backend's first statement on a table loads its catalog entries, 1.5 ms
   * against 0.7 ms for the same first `SELECT COUNT(*)` here, which an exam's pre-warm pays instead of its start.
   * Planned with LIMIT 0: nothing is read, locks go with the statement.
   */
  protected override async readyAhead(conn: PgConnection, limitMs: number): Promise<void> {
    const [, tables] = asList(await conn.client.query(`SET statement_timeout = ${limitMs}; ${SANDBOX_TABLES}`));
    const touches = (tables?.rows ?? []).map((row: { name: string }) => `SELECT 1 FROM ${row.name} LIMIT 0`);
    if (touches.length > 0) await conn.client.query(touches.join('; '));
    conn.presetMs = limitMs;
  }

  protected async connect(target: SandboxTarget): Promise<PgConnection> {
    const client = new pg.Client({ ...this.connectionConfig(target), types: POSTGRES_TYPES, stream: sandboxSocket });
    let markGone: (err: Error) => void = () => undefined;
    const gone = new Promise<never>((_, reject) => {
      markGone = reject;
    });
    gone.catch(() => undefined); // raced by every round trip; nobody may be listening when it happens
    const conn: PgConnection = { client, typeNames: new TypeNames(), lost: false, used: false, gone };
    const key = targetKey(target);
    // A backend ended by pg_terminate_backend or DROP DATABASE … WITH (FORCE) must never crash the process.
    client.on('error', (err) => {
      conn.lost = true;
      markGone(err);
      this.log?.debug({ err, target: key }, 'connection error');
    });
    client.on('end', () => {
      conn.lost = true;
      markGone(new Error('Connection ended'));
    });
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw postgresConnectFailure(err);
    }
    return conn;
  }

  /**
   * Gives the connection back once it is reset for the next script (at once when `discard`); does not wait
   * for the reset, which the next script of the target waits for instead. The reset written behind the last
   * statement counts when it ran outside any transaction; otherwise (a transaction left open, a failed
   * statement, a result cut at the cap) the transaction is rolled back and the session reset now.
   */
  private giveBack(
    target: SandboxTarget,
    conn: PgConnection,
    discard: boolean,
    limitMs: number,
    log: Logger | undefined,
  ): void {
    const written = conn.resetting;
    conn.resetting = undefined;
    conn.used = true;
    conn.presetMs = undefined;
    if (discard) {
      written?.catch(() => undefined);
      this.giveBackConnection(target, conn, true);
      return;
    }
    const reset = (written ?? Promise.reject(new Error('no reset written')))
      .then(
        () => conn.client.getTransactionStatus() === 'I',
        () => false,
      )
      .then((clean) => clean || this.resetNow(conn, limitMs, log))
      .then((clean) => {
        if (clean) {
          conn.used = false;
          conn.presetMs = limitMs;
        }
        return clean;
      });
    this.giveBackAfter(target, conn, reset);
  }

  /** Rolls back a transaction left open (it may hold locks), then resets the session; false when it could not. */
  private async resetNow(conn: PgConnection, limitMs: number, log: Logger | undefined): Promise<boolean> {
    // 'I': idle, no transaction open.
    const rollback = conn.client.getTransactionStatus() === 'I' ? '' : 'ROLLBACK; ';
    try {
      await Promise.race([conn.client.query(`${rollback}${resetFor(limitMs)}`), conn.gone]);
      return true;
    } catch (err) {
      log?.debug({ err }, 'reset failed; discarding the connection');
      return false;
    }
  }

  /**
   * Whether an earlier run's transaction committed. Its worker died, so a backend may still hold it
   * open (idle, or running the statement): that backend is ended and its transaction waited for.
   */
  private async settle(target: SandboxTarget, id: string): Promise<'committed' | 'rolled-back'> {
    // pg_stat_activity shows the 32-bit xid; the recorded xid8 carries the epoch above it.
    const xid = String(BigInt(id) & 0xffffffffn);
    return this.asWatchdog(target, async (client) => {
      await client.query(
        `SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity
          WHERE backend_xid::text OPERATOR(pg_catalog.=) $1 AND usename OPERATOR(pg_catalog.=) $2`,
        [xid, target.user],
      );
      const until = Date.now() + SETTLE_MS;
      for (;;) {
        const { rows } = await client.query('SELECT pg_catalog.pg_xact_status($1::pg_catalog.xid8) AS status', [id]);
        const status = rows[0]?.status as string | null;
        if (status === 'committed') return 'committed';
        // 'aborted', or null: too old to know, and no run commits without a record younger than that.
        if (status !== 'in progress') return 'rolled-back';
        if (Date.now() > until) throw new Error(`transaction ${id} of an earlier run is still open`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
  }

  /**
   * Cancels or ends the script's backend from a connection of the watchdog login (the server admin),
   * which the student can neither lock out nor shadow: the function is named in pg_catalog, and only a
   * backend of the sandbox login is signalled (a pid the OS gave to another backend since is left alone).
   */
  private async signalBackend(target: SandboxTarget, pid: number, fn: 'pg_cancel_backend' | 'pg_terminate_backend') {
    await this.asWatchdog(target, (client) =>
      client.query(
        `SELECT pg_catalog.${fn}(pid) FROM pg_catalog.pg_stat_activity WHERE pid OPERATOR(pg_catalog.=) $1 AND usename OPERATOR(pg_catalog.=) $2`,
        [pid, target.user],
      ),
    );
  }

  /** Runs `fn` on a connection of its own as the watchdog login, closed afterwards. */
  private async asWatchdog<T>(target: SandboxTarget, fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const login = await this.watchdogLogin(target);
    const client = new pg.Client({ ...this.connectionConfig(target), ...login, application_name: 'sqlfleet-watchdog' });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await fn(client);
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

/** A simple query of several statements answers a list; of one, a single result. */
function asList(result: pg.QueryResult | pg.QueryResult[]): pg.QueryResult[] {
  return Array.isArray(result) ? result : [result];
}
