import { type QueryLimits, type QueryOutcome, type SandboxTarget, targetKey } from '@sqlfleet/contracts';
import { AppError, type EngineName, type Logger, RepeatFolder } from '@sqlfleet/core';
import { ConnectionBudget } from './connection-budget.ts';
import type { ConnectionFigures, Engine, RunRecord } from './engine.ts';
import { type EngineOptions, type ResolvedEngineOptions, resolveEngineOptions } from './engine-options.ts';
import { type EngineErrors, type ScriptConnection, ScriptRunner } from './script-runner.ts';
import type { Statement } from './statement-splitter.ts';
import type { WatchdogLogin } from './watchdog-login.ts';

/** What a pooled engine is built from besides its options. */
export interface PooledEngineParts<C> {
  split(script: string): Statement[];
  errors: EngineErrors;
  /** Ends a connection; resolves once it is closed. */
  closeConnection(conn: C): Promise<void>;
  /** False once the server has ended the connection. */
  alive(conn: C): boolean;
}

/**
 * An engine whose connections, to every target it serves, come from one `ConnectionBudget` and whose
 * scripts run statement by statement through the `ScriptRunner` (PostgreSQL, MySQL). A subclass says
 * how to open a connection, check one out for a script, apply a schema and answer a ping.
 */
export abstract class PooledEngine<C> implements Engine {
  abstract readonly name: EngineName;
  protected readonly options: ResolvedEngineOptions;
  protected readonly log: Logger | undefined;
  private readonly connections: ConnectionBudget<C>;
  private readonly runner: ScriptRunner;
  private readonly errors: EngineErrors;
  private readonly closeConnection: (conn: C) => Promise<void>;
  /** Resets in flight, by target: their connections come back within a round trip, so a script of the target waits for them. */
  private readonly resets = new Map<string, Promise<void>>();
  private closing?: Promise<void>;

  constructor(engine: EngineName, options: EngineOptions, parts: PooledEngineParts<C>) {
    this.options = resolveEngineOptions(options);
    this.log = options.logger?.child({ engine });
    this.errors = parts.errors;
    this.closeConnection = parts.closeConnection;
    this.connections = new ConnectionBudget<C>({
      limit: this.options.connectionBudget,
      waitMs: this.options.connectionWaitMs,
      idleMs: this.options.idleTimeoutMs,
      close: parts.closeConnection,
      alive: parts.alive,
    });
    this.runner = new ScriptRunner({
      split: parts.split,
      open: (target, limits) => this.open(target, limits),
      errors: parts.errors,
      graceMs: this.options.cancelGraceMs,
      log: this.log,
    });
  }

  abstract applySchema(target: SandboxTarget, batches: readonly string[]): Promise<void>;

  abstract ping(target: SandboxTarget): Promise<void>;

  connectionFigures(): ConnectionFigures {
    return { held: this.connections.size, limit: this.options.connectionBudget, waiting: this.connections.queued };
  }

  execute(target: SandboxTarget, script: string, limits: QueryLimits, record?: RunRecord): Promise<QueryOutcome> {
    return this.runner.run(target, script, limits, record);
  }

  prepare(target: SandboxTarget, keepMs: number, limitMs: number): Promise<boolean> {
    const open = async () => {
      const conn = await this.connect(target);
      await this.readyAhead(conn, limitMs).catch(async (err: unknown) => {
        await this.closeConnection(conn).catch(() => undefined);
        throw err;
      });
      return conn;
    };
    return this.connections.prepare(targetKey(target), open, keepMs);
  }

  async release(target: SandboxTarget): Promise<void> {
    const key = targetKey(target);
    // A connection still being reset is back with the others first, and closed with them.
    await this.resets.get(key);
    await this.connections.forget(key);
  }

  close(): Promise<void> {
    this.closing ??= this.connections.close();
    return this.closing;
  }

  /** Opens a new connection to the target as its login; throws an AppError saying why it could not. */
  protected abstract connect(target: SandboxTarget): Promise<C>;

  /** Readies a connection opened ahead (`prepare`) for a first script under `limitMs`; nothing by default. */
  protected async readyAhead(_conn: C, _limitMs: number): Promise<void> {}

  /**
   * The login the watchdog stops this target's statements through: the server's admin when the
   * deployment names one, else (engine tests) the sandbox's own login.
   */
  protected async watchdogLogin(target: SandboxTarget): Promise<WatchdogLogin> {
    const login = await this.options.watchdog?.loginFor(target).catch((err: unknown) => {
      RepeatFolder.of(this.log)?.warn(
        { err, target: targetKey(target) },
        'could not find the admin login to stop a runaway with',
      );
      return undefined;
    });
    return login ?? { user: target.user, password: target.password, database: target.database };
  }

  /** Checks a connection out for one script of these limits; throws `StaleConnection` when a pooled one turns out dead. */
  protected abstract open(target: SandboxTarget, limits: QueryLimits): Promise<ScriptConnection>;

  /**
   * A connection to the target from the budget: an idle one of the target's, or a new one from `open`.
   * A connection of the target still being reset after its last script is waited for, not doubled.
   */
  protected async borrow(target: SandboxTarget, open = () => this.connect(target)): Promise<C> {
    const key = targetKey(target);
    await this.resets.get(key);
    return this.connections.acquire(key, open);
  }

  /** Gives a borrowed connection back, to be kept idle for its target or closed when `discard`. */
  protected giveBackConnection(target: SandboxTarget, conn: C, discard: boolean): void {
    this.connections.release(targetKey(target), conn, discard);
  }

  /**
   * Gives a connection back once its reset for the next script is done: kept when `reset` resolves true,
   * closed otherwise. The script's answer does not wait for it; the target's next script does (`borrow`).
   */
  protected giveBackAfter(target: SandboxTarget, conn: C, reset: Promise<boolean>): void {
    const key = targetKey(target);
    const back = reset.then(
      (clean) => this.giveBackConnection(target, conn, !clean),
      () => this.giveBackConnection(target, conn, true),
    );
    const before = this.resets.get(key);
    const pending = before ? Promise.all([before, back]).then(() => undefined) : back;
    this.resets.set(key, pending);
    void pending.then(() => {
      if (this.resets.get(key) === pending) this.resets.delete(key);
    });
  }

  /** Runs `fn` on a borrowed connection; a connection whose use failed is closed, not kept. */
  protected async withConnection<T>(target: SandboxTarget, fn: (conn: C) => Promise<T>): Promise<T> {
    const conn = await this.borrow(target);
    let failed = true;
    try {
      const value = await fn(conn);
      failed = false;
      return value;
    } finally {
      this.giveBackConnection(target, conn, failed);
    }
  }

  /**
   * Runs schema batches in order; the first failure stops them and says which batch it was.
   * A statement the database refused is SCHEMA_REJECTED (retrying cannot help); anything else
   * (a lost connection) stays a plain error the provisioner treats as retryable.
   */
  protected async applyBatches(
    target: SandboxTarget,
    batches: readonly string[],
    run: (batch: string) => Promise<unknown>,
  ): Promise<void> {
    for (const [i, batch] of batches.entries()) {
      this.log?.debug({ target: targetKey(target), batch: i, sql: batch }, 'applying schema batch');
      await run(batch).catch((err: Error) => {
        const message = `schema batch ${i + 1} of ${batches.length} failed: ${err.message}`;
        if (this.errors.isServerError(err)) {
          throw new AppError('SCHEMA_REJECTED', message, { cause: err, details: { batch: i + 1 } });
        }
        throw new Error(message, { cause: err });
      });
    }
  }
}
