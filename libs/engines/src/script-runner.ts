import type { EarlierRun, QueryLimits, QueryOutcome, ResultSet, SandboxTarget, SqlError } from '@sqlfleet/contracts';
import { targetKey } from '@sqlfleet/contracts';
import type { Logger } from '@sqlfleet/core';
import { Deadline, HARD_STOP } from './deadline.ts';
import type { RunRecord } from './engine.ts';
import { connectionLostError, outcomeOf, timeoutError, unsupportedError } from './outcome.ts';
import { ByteBudget } from './result-builder.ts';
import type { Statement } from './statement-splitter.ts';

/** The connection died before the script's first statement ran: safe to try once more on a fresh one. */
export class StaleConnection extends Error {}

/**
 * The statement asked for something the driver cannot carry (COPY to or from the client, a file
 * the client would read): the student gets STATEMENT_UNSUPPORTED, and the connection, whose server
 * side may still hear a cancel sent to stop it, is dropped.
 */
export class UnsupportedStatement extends Error {}

/** How one engine's errors read, so that the shared loop can tell a student's error from ours. */
export interface EngineErrors {
  /** The server's answer to the student's statement: a result, not a failure of ours. */
  isServerError(err: unknown): boolean;
  isConnectionLoss(err: unknown): boolean;
  /** The server stopped the statement (its limit or a cancel); ours when the deadline has (nearly) passed. */
  isStopped(err: unknown): boolean;
  toSqlError(err: unknown, statementIndex: number, statementText: string): SqlError;
  /**
   * A cancelled statement may end without an error (MariaDB's killed SLEEP() returns 1), so once
   * the deadline has fired a result does not prove the statement ran whole.
   */
  cancelMayLookLikeSuccess: boolean;
}

/** One connection checked out for one script. */
export interface ScriptConnection {
  /** Debug logger naming the target and the server session. */
  log: Logger | undefined;
  /** Sets the server-side limit of the next statement to `ms` (a whole number, at least 1). */
  limitNext(ms: number): Promise<void>;
  /**
   * Runs one statement; a statement may give several result sets. `last`: the script's last statement,
   * after which the connection is reset for the next script (an engine may send that reset with the
   * statement's own end, in the same write, instead of a round trip of its own later).
   */
  run(text: string, maxRows: number, budget: ByteBudget, last: boolean): Promise<ResultSet[]>;
  /** Asks the server, from another connection, to stop the running statement. */
  cancel(): Promise<void>;
  /** Ends the session: the cancel did not land in time (its connection may have failed). */
  terminate(): Promise<void>;
  /** Resets the session for the next script, or destroys it when `discard`. */
  giveBack(discard: boolean): Promise<void>;
  /** Present where a run can be recorded in a transaction of ours (PostgreSQL): see `RunRecord`. */
  transactions?: RecordedTransactions;
}

/** How a script of one statement runs in a transaction whose id is recorded before it commits. */
export interface RecordedTransactions {
  /** False for a statement that cannot run inside a transaction block, or that controls transactions itself. */
  canWrap(statement: string): boolean;
  /** Sets the statement's limit (as `limitNext`), opens a transaction and resolves with its id. */
  limitAndBegin(ms: number): Promise<string>;
  commit(): Promise<void>;
  /** Whether an earlier run's transaction committed; one still open (its client died) is ended first. */
  settle(id: string): Promise<Exclude<EarlierRun, 'unknown'>>;
}

export interface ScriptRunnerOptions {
  split(script: string): Statement[];
  /** Checks out a connection for a script of these limits; throws `StaleConnection` when a pooled one turns out dead. */
  open(target: SandboxTarget, limits: QueryLimits): Promise<ScriptConnection>;
  errors: EngineErrors;
  /** See `EngineOptions.cancelGraceMs`. */
  graceMs: number;
  log: Logger | undefined;
}

/**
 * Runs a script statement by statement on one connection. Before each statement the server-side
 * limit is set to the script's remaining time; a client-side deadline cancels at the limit and,
 * past a grace period, gives up on the connection. After a timeout or a lost connection the
 * connection is discarded, otherwise reset for the next script.
 */
export class ScriptRunner {
  constructor(private readonly options: ScriptRunnerOptions) {}

  async run(target: SandboxTarget, script: string, limits: QueryLimits, record?: RunRecord): Promise<QueryOutcome> {
    try {
      return await this.runOnce(target, script, limits, record);
    } catch (err) {
      if (!(err instanceof StaleConnection)) throw err;
      this.options.log?.debug({ target: targetKey(target) }, 'pooled connection was dead; retrying on a new one');
      return this.runOnce(target, script, limits, record);
    }
  }

  private async runOnce(
    target: SandboxTarget,
    script: string,
    limits: QueryLimits,
    record: RunRecord | undefined,
  ): Promise<QueryOutcome> {
    const { errors } = this.options;
    const startedAt = performance.now();
    const statements = this.options.split(script);
    const conn = await this.options.open(target, limits);
    const log = conn.log;
    // One statement runs in a transaction of ours whose id is recorded before it commits, so that a run
    // after a worker's death can tell whether this one committed. A script of several statements
    // commits statement by statement (what the student wrote): it cannot be known, and is not wrapped.
    const only = statements.length === 1 ? statements[0] : undefined;
    const wrap = record && only && conn.transactions?.canWrap(only.text) ? conn.transactions : undefined;
    let earlierRun: EarlierRun | undefined;
    if (wrap && record?.earlierRunDied) {
      try {
        earlierRun = record.earlierTransaction ? await wrap.settle(record.earlierTransaction) : 'rolled-back';
      } catch (err) {
        await conn.giveBack(false);
        throw err;
      }
      if (earlierRun === 'committed') {
        await conn.giveBack(false);
        return { ...outcomeOf([], undefined, startedAt), earlierRun };
      }
    }
    let recording: Promise<void> | undefined;
    const limitNext = async (ms: number): Promise<void> => {
      if (!wrap || !record) return conn.limitNext(ms);
      recording = record.recordTransaction(await wrap.limitAndBegin(ms));
      recording.catch(() => undefined); // awaited before the commit
    };
    const deadline = new Deadline({
      timeoutMs: limits.timeoutMs,
      graceMs: this.options.graceMs,
      cancel: () => conn.cancel(),
      ...(log ? { logger: log } : {}),
    });
    const results: ResultSet[] = [];
    const budget = new ByteBudget(limits.maxBytes);
    let error: SqlError | undefined;
    let discard = false;
    let index = 0;
    try {
      for (; index < statements.length; index += 1) {
        const statement = statements[index] as Statement;
        if (deadline.reached(0)) {
          error = timeoutError(index, limits.timeoutMs);
          break;
        }
        log?.debug({ statement: index, sql: statement.text }, 'running statement');
        await limitNext(Math.max(1, Math.floor(deadline.remainingMs()))).catch((err: unknown) => {
          throw index === 0 && errors.isConnectionLoss(err) ? new StaleConnection('stale', { cause: err }) : err;
        });
        // Ours to commit after it: not the script's end on the connection.
        const last = index === statements.length - 1 && !wrap;
        const running = conn.run(statement.text, limits.maxRows, budget, last);
        const result = await Promise.race([running, deadline.hardStop]);
        if (result === HARD_STOP) {
          running.catch(() => undefined);
          void conn.terminate().catch(() => undefined);
          discard = true;
          error = timeoutError(index, limits.timeoutMs);
          break;
        }
        // The server's own limit may stop it a moment before the watchdog fires, just as quietly.
        if (errors.cancelMayLookLikeSuccess && deadline.reached()) {
          error = timeoutError(index, limits.timeoutMs);
          break;
        }
        results.push(...result);
      }
      if (wrap && recording && !error) {
        // A failed record leaves the transaction open: giving the connection back rolls it back.
        await recording;
        index = 0; // a commit the server refuses (a deferred constraint) is the statement's error
        await wrap.commit();
      }
    } catch (err) {
      if (err instanceof UnsupportedStatement) {
        error = unsupportedError(index, err.message);
        discard = true;
      } else if (err instanceof StaleConnection || (!errors.isServerError(err) && !errors.isConnectionLoss(err))) {
        discard = true;
        throw err;
      } else {
        ({ error, discard } = failure(errors, err, index, statements[index]?.text ?? '', deadline, limits));
      }
    } finally {
      await deadline.clear();
      await conn.giveBack(discard || deadline.fired);
    }
    const outcome = outcomeOf(results, error, startedAt);
    return earlierRun ? { ...outcome, earlierRun } : outcome;
  }
}

function failure(
  errors: EngineErrors,
  err: unknown,
  index: number,
  text: string,
  deadline: Deadline,
  limits: QueryLimits,
): { error: SqlError; discard: boolean } {
  if (errors.isStopped(err) && deadline.reached()) {
    return { error: timeoutError(index, limits.timeoutMs), discard: true };
  }
  if (errors.isConnectionLoss(err)) {
    const error = deadline.fired
      ? timeoutError(index, limits.timeoutMs)
      : connectionLostError(index, (err as Error).message);
    return { error, discard: true };
  }
  return { error: errors.toSqlError(err, index, text), discard: false };
}
