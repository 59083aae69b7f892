import type { Socket } from 'node:net';
import { type SandboxTarget, targetKey } from '@sqlfleet/contracts';
import { AppError, type Logger } from '@sqlfleet/core';
import mysql, { type Connection, type ConnectionOptions, type QueryError } from 'mysql2';
import type { EngineOptions } from '../engine-options.ts';
import { PooledEngine } from '../pooled-engine.ts';
import { type ScriptConnection, StaleConnection } from '../script-runner.ts';
import { isConnectionLoss, mysqlConnectFailure, mysqlErrors } from './mysql-errors.ts';
import { splitMysql } from './mysql-splitter.ts';
import { runMysqlStatement } from './mysql-statement.ts';
import { mysqlTypeCast } from './mysql-types.ts';
import { connectionQuery, rollBackPreparedXa } from './prepared-xa.ts';

/** One connection of a sandbox login. */
interface MysqlConnection {
  conn: Connection;
  /** Set once the server or the socket ended it: it is never handed out again. */
  lost: boolean;
}

/** MariaDB limits every statement (`max_statement_time`, seconds); MySQL 8 only SELECTs (`max_execution_time`, ms). */
type Flavour = 'mariadb' | 'mysql';

/** What a script's text says it may have changed beyond its own statements' results. */
interface ScriptTraces {
  /** The current database (USE). */
  database: boolean;
  /** Server-wide state others see: a prepared XA transaction, a named lock. */
  serverState: boolean;
}

/** How long a discarded connection's thread may take to end on the server before it is killed. */
const THREAD_EXIT_WAIT_MS = 1_000;
const THREAD_EXIT_POLL_MS = 10;

const serverOf = (target: SandboxTarget): string => `${target.host}:${target.port}`;

function run(conn: { query(sql: string, cb: (err: QueryError | null) => void): unknown }, sql: string): Promise<void> {
  return new Promise((resolve, reject) => conn.query(sql, (err) => (err ? reject(err) : resolve())));
}

/**
 * MySQL 8 and MariaDB through mysql2. Each script runs on one connection from the engine's budget,
 * statement by statement; before each one the server-side limit is set to the script's remaining
 * time, and a watchdog sends `KILL QUERY` from a connection of the server's admin at the limit.
 * After a script the session is reset (COM_RESET_CONNECTION, then `USE` the sandbox again) while the answer
 * travels; after a timeout or a lost connection the connection is discarded. (The next script's first limit
 * stays a round trip of its own: it is what finds a pooled connection that died while idle, before any
 * statement of the script ran.)
 */
export class MysqlEngine extends PooledEngine<MysqlConnection> {
  readonly name = 'mysql' as const;
  /** Flavour by server (host:port): every sandbox of a server shares it. */
  private readonly flavours = new Map<string, Promise<Flavour>>();
  /** Servers (host:port) where a discarded connection's prepared XA transactions could not be checked. */
  private readonly unsettledServers = new Set<string>();

  constructor(options: EngineOptions = {}) {
    super('mysql', options, {
      split: splitMysql,
      errors: mysqlErrors,
      closeConnection: (c) => closeConnection(c.conn),
      alive: (c) => !c.lost,
    });
  }

  async applySchema(target: SandboxTarget, batches: readonly string[]): Promise<void> {
    // Several statements per batch: a connection that allows them, used for the schema only. It is
    // borrowed under a key of its own, so it counts in the budget but never serves a script.
    const key = { ...target, database: `${target.database}#schema` };
    const conn = await this.borrow(key, () => this.connectWith(target, { multipleStatements: true }));
    try {
      await this.applyBatches(target, batches, (batch) => run(conn.conn, batch));
    } finally {
      this.giveBackConnection(key, conn, true);
    }
  }

  protected async open(target: SandboxTarget): Promise<ScriptConnection> {
    const borrowed = await this.borrow(target);
    const { conn } = borrowed;
    const flavour = await this.flavourOf(target, conn).catch((err: unknown) => {
      this.giveBackConnection(target, borrowed, true);
      if (isConnectionLoss(err)) throw new StaleConnection('stale', { cause: err });
      throw new AppError('SANDBOX_UNREACHABLE', 'Could not query the sandbox', { cause: err });
    });
    const threadId = conn.threadId;
    const log = this.log?.child({ target: targetKey(target), threadId });
    const script: ScriptTraces = { database: false, serverState: false };
    const terminate = () => this.kill(target, `KILL ${threadId}`);
    return {
      log,
      limitNext: (ms) => run(conn, limitStatement(flavour, ms)),
      run: (text, maxRows, budget) => {
        // Only USE switches the current database (a routine cannot); a false alarm costs a round trip.
        if (/\buse\b/i.test(text)) script.database = true;
        // Only a script naming XA (a version comment may glue it to digits: no word boundary), EXECUTE (dynamic
        // SQL, also inside a procedure), CALL or GET_LOCK can leave what others on the server see: a prepared
        // XA transaction, a named lock. Its reset is waited for before the answer; a false alarm ("exam",
        // "recall") costs that wait.
        if (/xa|execute|call|get_lock/i.test(text)) script.serverState = true;
        return runMysqlStatement(conn, text, maxRows, budget, () => {
          // Not KILL QUERY: MariaDB forgets one that lands between two statements of a procedure, and its loop
          // goes on. The connection is discarded after a refused statement anyway.
          terminate().catch((err: unknown) => log?.debug({ err }, 'stopping a refused statement failed'));
        });
      },
      cancel: () => this.kill(target, `KILL QUERY ${threadId}`),
      terminate,
      giveBack: (discard) => this.giveBack(borrowed, target, discard, script, flavour, log),
    };
  }

  async ping(target: SandboxTarget): Promise<void> {
    await this.withConnection(target, (c) => run(c.conn, 'SELECT 1'));
  }

  protected connect(target: SandboxTarget): Promise<MysqlConnection> {
    return this.connectWith(target, {});
  }

  private connectWith(target: SandboxTarget, extra: ConnectionOptions): Promise<MysqlConnection> {
    const conn = mysql.createConnection({ ...this.connectionOptions(target), ...extra });
    const entry: MysqlConnection = { conn, lost: false };
    const key = targetKey(target);
    // A connection ended by KILL or DROP DATABASE must never crash the process.
    conn.on('error', (err) => {
      entry.lost = true;
      this.log?.debug({ err, target: key }, 'connection error');
    });
    conn.on('end', () => {
      entry.lost = true;
    });
    return new Promise((resolve, reject) =>
      conn.connect((err) => {
        if (!err) return resolve(entry);
        conn.destroy();
        reject(mysqlConnectFailure(err));
      }),
    );
  }

  private flavourOf(target: SandboxTarget, conn: Connection): Promise<Flavour> {
    const server = serverOf(target);
    let flavour = this.flavours.get(server);
    if (!flavour) {
      flavour = new Promise<Flavour>((resolve, reject) =>
        conn.query({ sql: 'SELECT VERSION()', rowsAsArray: true }, (err, rows) =>
          err ? reject(err) : resolve(String((rows as unknown[][])[0]?.[0]).includes('MariaDB') ? 'mariadb' : 'mysql'),
        ),
      );
      this.flavours.set(server, flavour);
      flavour.catch(() => this.flavours.delete(server));
    }
    return flavour;
  }

  /**
   * Resets the connection for the next script: COM_RESET_CONNECTION drops SET values, user variables, temp
   * tables, locks and an open transaction, not the current database (`USE` the sandbox again only when the
   * script may have switched it). The answer does not wait for the reset (the target's next script does, see
   * `giveBackAfter`) unless the script may have left server-wide state (`ScriptTraces.serverState`): then its
   * prepared XA transactions are rolled back and its named locks released before it is answered. A discarded
   * connection is answered once its thread has ended and what it prepared is rolled back (`settleDiscarded`);
   * when that could not be checked (the server away), the next reset on the server looks for prepared XA
   * transactions whatever its script was.
   */
  private async giveBack(
    borrowed: MysqlConnection,
    target: SandboxTarget,
    discard: boolean,
    script: ScriptTraces,
    flavour: Flavour,
    log: Logger | undefined,
  ): Promise<void> {
    const { conn } = borrowed;
    const mariadb = flavour === 'mariadb';
    if (discard) {
      this.giveBackConnection(target, borrowed, true);
      if (mariadb) await this.settleAfterDiscard(target, conn.threadId, log);
      return;
    }
    const server = serverOf(target);
    const lookForXa = mariadb && (script.serverState || this.unsettledServers.delete(server));
    const reset = (async () => {
      try {
        if (lookForXa) {
          const rolledBack = await rollBackPreparedXa(connectionQuery(conn));
          if (rolledBack > 0) log?.debug({ rolledBack }, 'rolled back prepared XA transactions left behind');
        }
        await new Promise<void>((resolve, reject) => conn.reset((err) => (err ? reject(err) : resolve())));
        // The script may have switched to another database it can see (information_schema).
        if (script.database) await run(conn, `USE ${mysql.escapeId(target.database)}`);
        return true;
      } catch (err) {
        log?.debug({ err }, 'reset failed; discarding the connection');
        if (lookForXa) this.unsettledServers.add(server);
        return false;
      }
    })();
    this.giveBackAfter(target, borrowed, reset);
    if (!script.serverState) return;
    // Closed by giveBackAfter when its reset failed: what it may have prepared is settled before the answer.
    if (!(await reset) && mariadb) await this.settleAfterDiscard(target, conn.threadId, log);
  }

  /** `settleDiscarded`; when it fails (the server likely away), the server's next reset looks for what is left. */
  private settleAfterDiscard(target: SandboxTarget, threadId: number, log: Logger | undefined): Promise<void> {
    return this.settleDiscarded(target, threadId).catch((err: unknown) => {
      this.unsettledServers.add(serverOf(target));
      log?.debug({ err }, 'could not check that a discarded connection left nothing prepared behind');
    });
  }

  /** KILL from a connection of the watchdog login (the server admin): a student's SET PASSWORD cannot lock it out. */
  private kill(target: SandboxTarget, sql: string): Promise<void> {
    return this.asWatchdog(target, (conn) => run(conn, sql));
  }

  /**
   * A discarded connection (a timeout, a lost connection) ends on the server after the client let go of it,
   * and only then does MariaDB detach a transaction it had prepared (`XA PREPARE`; then `DO SLEEP(60)`).
   * The script is answered once its thread is gone (killed if it lingers) and what it prepared rolled back,
   * so the next script finds its rows unlocked and nothing of the runaway is left on the server.
   */
  private settleDiscarded(target: SandboxTarget, threadId: number): Promise<void> {
    return this.asWatchdog(target, async (conn) => {
      const xa = connectionQuery(conn);
      const present = async () =>
        (await xa(`SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = ${Number(threadId)}`)).length > 0;
      const killAfter = Date.now() + THREAD_EXIT_WAIT_MS;
      while (await present()) {
        if (Date.now() > killAfter) {
          await run(conn, `KILL ${Number(threadId)}`).catch(() => undefined);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, THREAD_EXIT_POLL_MS));
      }
      const rolledBack = await rollBackPreparedXa(xa);
      if (rolledBack > 0)
        this.log?.debug({ rolledBack, threadId }, 'rolled back XA transactions a discarded connection prepared');
    });
  }

  /** Runs `fn` on a connection of its own as the watchdog login, closed afterwards. */
  private async asWatchdog<T>(target: SandboxTarget, fn: (conn: Connection) => Promise<T>): Promise<T> {
    const { user, password, database } = await this.watchdogLogin(target);
    const conn = mysql.createConnection({
      ...this.connectionOptions(target),
      user,
      password,
      database: database || undefined,
    });
    conn.on('error', () => undefined);
    try {
      return await fn(conn);
    } finally {
      conn.destroy();
    }
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
      // Scripts go through the text protocol only. mysql2 sizes each connection's prepared-statement cache by this
      // (four arrays of 16,000 slots by default, ~0.5 MB): at an exam start, where each claim opens a connection,
      // allocating and collecting them was a fifth of a worker's CPU.
      maxPreparedStatements: 1,
    };
  }
}

/** How long a closing connection may take for the server to hang up before it is cut. */
const CLOSE_WAIT_MS = 2_000;

/**
 * COM_QUIT, or a plain close when the connection is already broken. Resolves once the server has closed the
 * connection, having read its QUIT: only then is its slot free on
 * the server (mysql2's `end` calls back before QUIT is even written, and a budget that reused the slot then
 * had one connection more on the server than it allows, for a moment).
 */
function closeConnection(conn: Connection): Promise<void> {
  return new Promise<void>((resolve) => {
    const { stream } = conn as unknown as { stream?: Socket };
    if (!stream || stream.destroyed) {
      conn.destroy();
      resolve();
      return;
    }
    const cut = setTimeout(() => conn.destroy(), CLOSE_WAIT_MS);
    stream.once('close', () => {
      clearTimeout(cut);
      resolve();
    });
    conn.end((err) => {
      if (err) conn.destroy();
    });
  });
}

function limitStatement(flavour: Flavour, ms: number): string {
  return flavour === 'mariadb'
    ? `SET SESSION max_statement_time = ${(ms / 1000).toFixed(3)}`
    : `SET SESSION max_execution_time = ${ms}`;
}
