import { type QueryLimits, type QueryOutcome, type SandboxTarget, targetKey } from '@sqlfleet/contracts';
import { AppError, type EngineName, type Logger } from '@sqlfleet/core';
import type { Engine } from './engine.ts';
import { type EngineOptions, type ResolvedEngineOptions, resolveEngineOptions } from './engine-options.ts';
import { PoolRegistry } from './pool-registry.ts';
import { type EngineErrors, type ScriptConnection, ScriptRunner } from './script-runner.ts';
import type { Statement } from './statement-splitter.ts';
import type { WatchdogLogin } from './watchdog-login.ts';

/** What a pooled engine is built from besides its options. */
export interface PooledEngineParts<P> {
  split(script: string): Statement[];
  errors: EngineErrors;
  closePool(pool: P): Promise<void>;
}

/**
 * An engine with one pool per target whose scripts run statement by statement through the
 * `ScriptRunner` (PostgreSQL, MySQL). A subclass says how to make a pool, check a connection out
 * for a script, apply a schema and answer a ping.
 */
export abstract class PooledEngine<P> implements Engine {
  abstract readonly name: EngineName;
  protected readonly options: ResolvedEngineOptions;
  protected readonly log: Logger | undefined;
  protected readonly pools: PoolRegistry<P>;
  private readonly runner: ScriptRunner;
  private readonly errors: EngineErrors;
  private closing?: Promise<void>;

  constructor(engine: EngineName, options: EngineOptions, parts: PooledEngineParts<P>) {
    this.options = resolveEngineOptions(options);
    this.log = options.logger?.child({ engine });
    this.errors = parts.errors;
    this.pools = new PoolRegistry(
      (target) => this.createPool(target),
      (pool) => parts.closePool(pool),
    );
    this.runner = new ScriptRunner({
      split: parts.split,
      open: (target) => this.open(target),
      errors: parts.errors,
      graceMs: this.options.cancelGraceMs,
      log: this.log,
    });
  }

  abstract applySchema(target: SandboxTarget, batches: readonly string[]): Promise<void>;

  abstract ping(target: SandboxTarget): Promise<void>;

  execute(target: SandboxTarget, script: string, limits: QueryLimits): Promise<QueryOutcome> {
    return this.runner.run(target, script, limits);
  }

  release(target: SandboxTarget): Promise<void> {
    return this.pools.release(target);
  }

  close(): Promise<void> {
    this.closing ??= this.pools.closeAll();
    return this.closing;
  }

  protected abstract createPool(target: SandboxTarget): P;

  /**
   * The login the watchdog stops this target's statements through: the server's admin when the
   * deployment names one, else (engine tests) the sandbox's own login.
   */
  protected async watchdogLogin(target: SandboxTarget): Promise<WatchdogLogin> {
    const login = await this.options.watchdog?.loginFor(target).catch((err: unknown) => {
      this.log?.warn({ err, target: targetKey(target) }, 'could not find the admin login to stop a runaway with');
      return undefined;
    });
    return login ?? { user: target.user, password: target.password, database: target.database };
  }

  /** Checks a connection out for one script; throws `StaleConnection` when a pooled one turns out dead. */
  protected abstract open(target: SandboxTarget): Promise<ScriptConnection>;

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
