import type { QueryLimits, QueryOutcome, ResultSet, SandboxTarget, SqlError } from '@sqlfleet/contracts';
import { targetKey } from '@sqlfleet/contracts';
import type { Logger } from '@sqlfleet/core';
import { Deadline, HARD_STOP } from './deadline.ts';
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
  /** Runs one statement; a statement may give several result sets. */
  run(text: string, maxRows: number, budget: ByteBudget): Promise<ResultSet[]>;
  /** Asks the server, from another connection, to stop the running statement. */
  cancel(): Promise<void>;
  /** Ends the session: the cancel did not land in time (its connection may have failed). */
  terminate(): Promise<void>;
  /** Resets the session for the next script, or destroys it when `discard`. */
  giveBack(discard: boolean): Promise<void>;
}

export interface ScriptRunnerOptions {
  split(script: string): Statement[];
  /** Checks out a connection; throws `StaleConnection` when a pooled one turns out dead. */
  open(target: SandboxTarget): Promise<ScriptConnection>;
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

  async run(target: SandboxTarget, script: string, limits: QueryLimits): Promise<QueryOutcome> {
    try {
      return await this.runOnce(target, script, limits);
    } catch (err) {
      if (!(err instanceof StaleConnection)) throw err;
      this.options.log?.debug({ target: targetKey(target) }, 'pooled connection was dead; retrying on a new one');
      return this.runOnce(target, script, limits);
    }
  }

  private async runOnce(target: SandboxTarget, script: string, limits: QueryLimits): Promise<QueryOutcome> {
    const { errors } = this.options;
    const startedAt = performance.now();
    const statements = this.options.split(script);
    const conn = await this.options.open(target);
    const log = conn.log;
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
        await conn.limitNext(Math.max(1, Math.floor(deadline.remainingMs()))).catch((err: unknown) => {
          throw index === 0 && errors.isConnectionLoss(err) ? new StaleConnection('stale', { cause: err }) : err;
        });
        const running = conn.run(statement.text, limits.maxRows, budget);
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
    return outcomeOf(results, error, startedAt);
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
