import type { Logger } from '@sqlfleet/core';
import type { WatchdogLogins } from './watchdog-login.ts';

/** What every engine takes in its constructor. */
export interface EngineOptions {
  /** Debug logging (targets by key, never passwords; SQL text only at debug). Default: silent. */
  logger?: Logger;
  /**
   * Connections this engine holds on its server at once, across every sandbox (the worker's share of
   * the fleet's budget). Past it, the least recently used sandbox's idle connection closes first, and
   * when all are busy a script waits its turn. Default 100.
   */
  connectionBudget?: number;
  /** How long a script waits for a connection of the budget before CONNECTIONS_EXHAUSTED. Default 10 s. */
  connectionWaitMs?: number;
  /** An idle connection is closed after this (the fleet sets CONNECTION_IDLE_MS). Default 5 s. */
  idleTimeoutMs?: number;
  /** Connecting to a sandbox gives up after this. Default 5 s. */
  connectTimeoutMs?: number;
  /** After the time limit fires, how long the engine waits for the cancel to land before dropping the connection. Default 500 ms. */
  cancelGraceMs?: number;
  /**
   * Where the watchdog finds an admin login of the sandbox's server to cancel and end runaways through.
   * Unset (engine tests): the sandbox's own login, which a hostile student can lock out.
   */
  watchdog?: WatchdogLogins;
}

export type ResolvedEngineOptions = Required<Omit<EngineOptions, 'logger' | 'watchdog'>> &
  Pick<EngineOptions, 'logger' | 'watchdog'>;

export function resolveEngineOptions(options: EngineOptions = {}): ResolvedEngineOptions {
  return {
    logger: options.logger,
    watchdog: options.watchdog,
    connectionBudget: options.connectionBudget ?? 100,
    connectionWaitMs: options.connectionWaitMs ?? 10_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 5_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    cancelGraceMs: options.cancelGraceMs ?? 500,
  };
}
