import type { SandboxTarget } from '@sqlfleet/contracts';

/**
 * A login on a sandbox's server that the student's SQL cannot change, shadow or lock out (the
 * server's admin, or a sandbox container's own admin), on the target's host and port. The
 * watchdog cancels and ends runaway statements through it: as the sandbox's own login, a student
 * who changed its password (MariaDB `SET PASSWORD`) or shadowed `pg_cancel_backend` kept running.
 */
export interface WatchdogLogin {
  user: string;
  password: string;
  /** Where the login connects (its own database, never the sandbox's). Empty: none (MySQL). */
  database: string;
}

/** Finds the watchdog login of a target's server; undefined when this deployment knows none. */
export interface WatchdogLogins {
  loginFor(target: SandboxTarget): Promise<WatchdogLogin | undefined>;
}
