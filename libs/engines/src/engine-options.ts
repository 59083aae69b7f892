import type { Logger } from '@sqlfleet/core';
import type { WatchdogLogins } from './watchdog-login.ts';

/** What every engine takes in its constructor. */
export interface EngineOptions {
  /** Debug logging (targets by key, never passwords; SQL text only at debug). Default: silent. */
  logger?: Logger;
  /** Connections per target pool. Default 2: one session runs one script at a time. */
  maxConnectionsPerTarget?: number;
  /**
   * An idle pooled connection is closed after this. Default 5 s: between a student's queries a session
   * holds no server connection, so a shared server's connection limit caps busy sessions, not live ones.
   */
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
    maxConnectionsPerTarget: options.maxConnectionsPerTarget ?? 2,
    idleTimeoutMs: options.idleTimeoutMs ?? 5_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    cancelGraceMs: options.cancelGraceMs ?? 500,
  };
}
