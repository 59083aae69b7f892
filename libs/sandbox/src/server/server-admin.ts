import type { EngineName } from '@sqlfleet/core';

/** What the provisioner records beside each sandbox database, readable only by the admin login. */
export interface SandboxMeta {
  sessionId: string;
  fingerprint: string;
  createdAt: number;
  /** False while the schema is being applied: a sandbox found not ready was left half-made. */
  ready: boolean;
}

/** Where sandbox logins connect: the host and port of the admin URL. */
export interface ServerEndpoint {
  host: string;
  port: number;
}

/** The outcome of `withLock`: `held: false` when another holder had the lock and `fn` did not run. */
export type LockResult<T> = { held: true; value: T } | { held: false };

/**
 * Administers sandbox databases on one shared server (PostgreSQL, MySQL/MariaDB, SQL Server) with its
 * admin URL. Names are already validated `[a-z0-9_]` by the caller; implementations still quote them.
 */
export interface ServerAdmin {
  readonly engine: EngineName;
  readonly endpoint: ServerEndpoint;
  /** Creates the database and a least-privilege login that owns it and can reach nothing else. */
  createSandbox(name: string, login: string, password: string): Promise<void>;
  /** Drops the database (disconnecting its clients), the login and the metadata. Idempotent. */
  dropSandbox(name: string, login: string): Promise<void>;
  /** Names of the databases whose name starts with `prefix`. */
  listSandboxes(prefix: string): Promise<string[]>;
  databaseExists(name: string): Promise<boolean>;
  /** Gives an existing login a new password (when the old one is lost or was changed). */
  setPassword(login: string, password: string): Promise<void>;
  readMeta(name: string): Promise<SandboxMeta | undefined>;
  /** Metadata of every database whose name starts with `prefix`, by name. */
  listMeta(prefix: string): Promise<Map<string, SandboxMeta>>;
  writeMeta(name: string, meta: SandboxMeta): Promise<void>;
  /**
   * Runs `fn` while holding a server-side lock on `name` (released even if the process dies, since it
   * belongs to a connection). Does not wait: another holder means `{ held: false }`.
   */
  withLock<T>(name: string, fn: () => Promise<T>): Promise<LockResult<T>>;
  /** Closes the admin pools. Idempotent. */
  close(): Promise<void>;
}
