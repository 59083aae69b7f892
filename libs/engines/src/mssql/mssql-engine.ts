import type { QueryLimits, QueryOutcome, SandboxTarget, SqlError } from '@sqlfleet/contracts';
import { AppError, type Logger } from '@sqlfleet/core';
import sql from 'mssql';
import type { Engine } from '../engine.ts';
import type { EngineOptions } from '../engine-options.ts';
import { outcomeOf, timeoutError } from '../outcome.ts';
import { splitGoBatches } from './go-batches.ts';
import {
  batchFailure,
  type DriverError,
  isCancel,
  isConnectionLost,
  isServerError,
  isTimeout,
} from './mssql-errors.ts';
import { type MssqlConnectionOptions, MssqlPools } from './mssql-pools.ts';
import type { MssqlColumnMeta } from './mssql-values.ts';
import { ResultCollector } from './result-collector.ts';
import { type Guarded, ScriptDeadline } from './script-deadline.ts';
import { detectFlavour, type MssqlFlavour } from './server-flavour.ts';
import { SessionKiller } from './session-killer.ts';

/**
 * `connectionBudget` does not apply (yet): SQL Server keeps one connection per sandbox so that
 * every batch of a script reaches the same session.
 */
export interface MssqlEngineOptions extends EngineOptions, MssqlConnectionOptions {}

/** mssql 12 takes per-request overrides as a second constructor argument; its typings omit it. */
const RequestWithTimeout = sql.Request as unknown as new (
  pool: sql.ConnectionPool,
  overrides: { requestTimeout: number },
) => sql.Request;

/** TEXTSIZE can hold at most this (2^31 − 1 bytes). */
const MAX_TEXTSIZE = 2_147_483_647;

/** Where the deadline stops a batch by KILL, how long past the grace the kill (an admin round trip) may take. */
const KILL_GRACE_MS = 2_000;

/**
 * SQL Server (and Babelfish for PostgreSQL) through mssql (tedious). A script is split on `GO` lines
 * and each batch runs as a TDS SQL batch on the sandbox's single pooled connection, streamed in array
 * row mode, under one deadline for the whole script: the driver's request timeout and a client-side
 * stop which no T-SQL can switch off (a TDS attention, or on Babelfish `KILL` from an admin
 * connection: see `MssqlFlavour`). A cap (rows or bytes) cancels the batch and ends the script there,
 * with the last result set marked truncated. An error ends the script after the batch it happened in
 * (SQL Server goes on past many errors within a batch, so that batch's later results are kept).
 */
export class MssqlEngine implements Engine {
  readonly name = 'mssql' as const;
  private readonly log: Logger | undefined;
  private readonly pools: MssqlPools;
  private readonly killer: SessionKiller;
  /** Each server's flavour, asked once per host and port. */
  private readonly flavours = new Map<string, Promise<MssqlFlavour>>();
  private readonly cancelGraceMs: number;
  private closing?: Promise<void>;

  constructor(options: MssqlEngineOptions = {}) {
    this.log = options.logger?.child({ engine: 'mssql' });
    this.cancelGraceMs = options.cancelGraceMs ?? 500;
    this.pools = new MssqlPools({ ...options, connectTimeoutMs: options.connectTimeoutMs ?? 5_000 }, this.log);
    this.killer = new SessionKiller({
      watchdog: options.watchdog,
      encrypt: options.encrypt,
      connectTimeoutMs: options.connectTimeoutMs,
      logger: this.log,
    });
  }

  /** The flavour of the target's server (SQL Server or Babelfish), detected on its first connection. */
  flavourOf(target: SandboxTarget): Promise<MssqlFlavour> {
    const key = `${target.host}:${target.port}`;
    let flavour = this.flavours.get(key);
    if (!flavour) {
      flavour = this.pools.get(target).then(detectFlavour);
      this.flavours.set(key, flavour);
      flavour.catch(() => {
        if (this.flavours.get(key) === flavour) this.flavours.delete(key);
      });
    }
    return flavour;
  }

  async applySchema(target: SandboxTarget, batches: readonly string[]): Promise<void> {
    const pool = await this.pools.get(target);
    for (const [i, batch] of batches.entries()) {
      // The compiler already splits on GO; a GO left inside a batch would be a syntax error on the server.
      for (const piece of splitGoBatches(batch)) {
        for (let r = 0; r < piece.repeat; r++) {
          this.log?.debug({ database: target.database, batch: i, sql: piece.text }, 'applying schema batch');
          await pool
            .request()
            .batch(piece.text)
            .catch((err: Error & DriverError) => {
              const where = err.lineNumber ? ` (line ${err.lineNumber})` : '';
              const message = `schema batch ${i + 1} of ${batches.length} failed${where}: ${err.message}`;
              // A statement the server refused cannot succeed on retry; a lost connection may.
              if (isServerError(err)) {
                throw new AppError('SCHEMA_REJECTED', message, { cause: err, details: { batch: i + 1 } });
              }
              throw new Error(message, { cause: err });
            });
        }
      }
    }
  }

  async execute(target: SandboxTarget, script: string, limits: QueryLimits): Promise<QueryOutcome> {
    const startedAt = performance.now();
    const pool = await this.pools.get(target);
    const flavour = await this.flavourOf(target);
    const spid = await this.resetSession(pool, limits, target);
    const kills = flavour.stopsRunaway === 'kill';
    const deadline = new ScriptDeadline(limits.timeoutMs, this.cancelGraceMs + (kills ? KILL_GRACE_MS : 0));
    // Once per script, and before its connection is dropped: Babelfish's KILL refuses a session whose
    // client has gone ("not an active process ID for a TDS connection"), and its statement would run on.
    let killed: Promise<void> | undefined;
    const stop = kills ? () => (killed ??= this.killRunaway(target, flavour, spid)) : undefined;
    // The admin connection that KILLs is opened ahead, so that a kill at the deadline costs no login.
    if (kills) this.killer.warm(target);
    const collector = new ResultCollector(limits);
    let failure: SqlError | undefined;

    run: for (const [index, batch] of splitGoBatches(script).entries()) {
      for (let r = 0; r < batch.repeat; r++) {
        if (deadline.expired) {
          failure = timeoutError(index, limits.timeoutMs);
          break run;
        }
        const ran = await this.runBatch(pool, batch.text, collector, deadline, stop);
        collector.closeOpen();
        if (!ran.settled) {
          // The server did not acknowledge the cancel: this connection cannot be trusted any more.
          this.log?.warn({ database: target.database }, 'cancel not acknowledged: dropping the connection');
          await stop?.();
          void this.pools.drop(target);
          failure = timeoutError(index, limits.timeoutMs);
          break run;
        }
        const errors = ran.value;
        // Past the deadline a KILLed session's errors (the connection gone, "terminating connection")
        // are the time limit's doing, not the student's.
        const stopped = stop ? errors.length > 0 : errors.some(isCancel);
        if (errors.some(isTimeout) || (deadline.expired && stopped)) {
          // However the batch ended (the driver's own timeout may come first), the session is KILLed
          // before its connection goes: a KILLed session is gone, and so is its connection.
          await stop?.();
          if (stop || errors.some(isConnectionLost)) void this.pools.drop(target);
          failure = timeoutError(index, limits.timeoutMs);
          break run;
        }
        if (collector.capped) break run;
        failure = batchFailure(errors.map(flavour.normaliseError), index);
        if (failure) break run;
      }
    }
    return outcomeOf(collector.results, failure, startedAt);
  }

  async ping(target: SandboxTarget): Promise<void> {
    const pool = await this.pools.get(target);
    await pool.request().query('SELECT 1');
  }

  release(target: SandboxTarget): Promise<void> {
    return this.pools.drop(target);
  }

  close(): Promise<void> {
    this.closing ??= Promise.all([this.pools.closeAll(), this.killer.close()]).then(() => undefined);
    return this.closing;
  }

  private killRunaway(target: SandboxTarget, flavour: MssqlFlavour, spid: number): Promise<void> {
    return this.killer.kill(target, flavour, spid).catch((err: unknown) => {
      // The connection is dropped after the grace all the same; the server may run the batch on until it ends.
      this.log?.warn({ err, database: target.database, spid }, 'could not KILL a runaway session');
    });
  }

  /** Runs one batch, streaming its results into the collector; resolves with every error it reported. */
  private runBatch(
    pool: sql.ConnectionPool,
    text: string,
    collector: ResultCollector,
    deadline: ScriptDeadline,
    stop?: () => Promise<void>,
  ): Promise<Guarded<DriverError[]>> {
    // Where the deadline KILLs, the driver's own timeout comes after it, so that the kill goes first.
    const requestTimeout = deadline.remainingMs() + (stop ? KILL_GRACE_MS : 0);
    const request = new RequestWithTimeout(pool, { requestTimeout });
    request.stream = true;
    request.arrayRowMode = true;
    const errors: DriverError[] = [];
    let cancelled = false;
    const cancel = () => {
      if (cancelled) return;
      cancelled = true;
      request.cancel();
    };
    request.on('recordset', (columns: MssqlColumnMeta[]) => {
      collector.startSet(columns);
      if (collector.capped) cancel();
    });
    request.on('row', (row: unknown) => {
      if (!collector.addRow(row)) cancel();
    });
    request.on('rowsaffected', (count: number) => {
      collector.rowsAffected(count);
      if (collector.capped) cancel();
    });
    // In stream mode every error arrives here, and an unheard 'error' event would crash the process.
    request.on('error', (error: DriverError) => errors.push(error));
    const work = request.batch(text).then(
      () => errors,
      (error: DriverError) => [...errors, error],
    );
    // At the deadline: the attention, or where the server reads it too late, the kill instead (an
    // unanswered attention would have the driver close the connection before the KILL lands).
    return deadline.guard(work, () => {
      if (stop) void stop();
      else cancel();
    });
  }

  /**
   * A script starts from a clean transaction state whatever the last one left (a BEGIN TRAN without
   * COMMIT, or one cut by a timeout), and with TEXTSIZE bounding how much of one (max) value the server
   * sends: twice the byte cap, so that a value it shortened still exceeds the cap and is never shown cut.
   * Answers the session's id, which the watchdog KILLs on a server that reads a cancel too late.
   */
  private async resetSession(pool: sql.ConnectionPool, limits: QueryLimits, target: SandboxTarget): Promise<number> {
    const textSize = Math.min(MAX_TEXTSIZE, 2 * limits.maxBytes + 2);
    try {
      const { recordset } = await new RequestWithTimeout(pool, {
        requestTimeout: Math.max(1_000, limits.timeoutMs),
      }).batch<{ spid: number }>(
        `IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION; SET TEXTSIZE ${textSize}; SELECT @@SPID AS spid;`,
      );
      return Number(recordset?.[0]?.spid);
    } catch (error) {
      // Nothing of the student's ran yet: the job may safely be tried again on a fresh connection.
      await this.pools.drop(target);
      throw new AppError('SANDBOX_FAILED', 'The SQL Server sandbox did not answer', { cause: error });
    }
  }
}
