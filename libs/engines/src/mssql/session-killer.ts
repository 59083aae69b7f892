import type { SandboxTarget } from '@sqlfleet/contracts';
import { type Logger, RepeatFolder } from '@sqlfleet/core';
import sql from 'mssql';
import type { WatchdogLogins } from '../watchdog-login.ts';
import type { MssqlFlavour } from './server-flavour.ts';

export interface SessionKillerOptions {
  watchdog?: WatchdogLogins;
  encrypt?: boolean;
  connectTimeoutMs?: number;
  logger?: Logger;
}

/**
 * Ends a sandbox's server session with `KILL <spid>` from an admin connection: how a runaway batch
 * is stopped on a server that reads a TDS attention only after the running statement ends
 * (Babelfish). The admin login comes from the watchdog (the server's admin, which the student cannot
 * lock out); without one (engine tests) the sandbox's own login tries. The flavour says how
 * (`killSession`).
 * One small pool per admin login, kept warm so that a kill costs a round trip, not a login.
 */
export class SessionKiller {
  private readonly pools = new Map<string, Promise<sql.ConnectionPool>>();

  constructor(private readonly options: SessionKillerOptions) {}

  async kill(target: SandboxTarget, flavour: MssqlFlavour, spid: number): Promise<void> {
    if (!Number.isSafeInteger(spid) || spid <= 0) return;
    const pool = await this.poolFor(target);
    // KILL takes no variable: the spid is an integer checked above.
    await pool.request().batch(flavour.killSession(spid, target.user));
  }

  /** Opens the admin connection for the target's server now, if it is not open yet. */
  warm(target: SandboxTarget): void {
    this.poolFor(target).catch((err: unknown) =>
      RepeatFolder.of(this.options.logger)?.warn({ err }, 'mssql watchdog connection failed; a kill will try again'),
    );
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map(async (p) => (await p.catch(() => undefined))?.close().catch(() => undefined)));
  }

  private async poolFor(target: SandboxTarget): Promise<sql.ConnectionPool> {
    const login = (await this.options.watchdog?.loginFor(target).catch((err: unknown) => {
      RepeatFolder.of(this.options.logger)?.warn({ err }, 'could not find the admin login to stop a runaway with');
      return undefined;
    })) ?? { user: target.user, password: target.password, database: target.database };
    const key = `${login.user}@${target.host}:${target.port}/${login.database}`;
    let pool = this.pools.get(key);
    if (!pool) {
      const made = new sql.ConnectionPool({
        server: target.host,
        port: target.port,
        user: login.user,
        password: login.password,
        database: login.database || 'master',
        connectionTimeout: this.options.connectTimeoutMs ?? 5_000,
        requestTimeout: 10_000,
        pool: { min: 0, max: 2, idleTimeoutMillis: 60_000 },
        options: {
          encrypt: this.options.encrypt ?? true,
          trustServerCertificate: true,
          appName: 'sqlfleet-watchdog',
        },
      });
      made.on('error', (err: unknown) =>
        RepeatFolder.of(this.options.logger)?.warn({ err }, 'mssql watchdog connection error'),
      );
      pool = made.connect();
      this.pools.set(key, pool);
      pool.catch(() => {
        if (this.pools.get(key) === pool) this.pools.delete(key);
      });
    }
    return pool;
  }
}
