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

/** A sandbox's size on disk, and whether it is write-refused for being past its storage cap. */
export interface SandboxStorage {
  bytes: number;
  frozen: boolean;
}

/** How an admin measures a sandbox and refuses its writes past the storage cap. */
export interface StorageControl {
  /** The sandbox's size and cap state, read from the admin side; undefined when it does not exist. */
  measure(name: string, login: string): Promise<SandboxStorage | undefined>;
  /** Takes every write right from the login, leaving it what lets it remove data. */
  freeze(name: string, login: string): Promise<void>;
  /** Gives the login its write rights back. */
  thaw(name: string, login: string): Promise<void>;
  /** The engine's error codes for "you may not write this", as a frozen login meets them. */
  readonly refusalCodes: readonly string[];
  /** What the frozen login may still do to get back under the cap. */
  readonly remedy: string;
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
  /**
   * Seals a database built by `createSandbox` + the schema as a template: its login can no longer
   * connect, nothing stays connected. Throws when the database holds what `cloneSandbox` cannot copy.
   */
  sealTemplate?(template: string, login: string): Promise<void>;
  /** Like `createSandbox`, but the database starts as a copy of a sealed template (schema and seed). */
  cloneSandbox?(template: string, templateLogin: string, name: string, login: string, password: string): Promise<void>;
  /** Storage-cap enforcement; an admin without it leaves its sandboxes uncapped. */
  readonly storage?: StorageControl;
  /** What this server lets one login take from the others that no setting of ours bounds (logged at start). */
  boundsReport?(): Promise<string[]>;
  /**
   * Connections the server accepts from logins that are not superusers (PostgreSQL: max_connections
   * less superuser_reserved_connections), from which the fleet's connection budget is derived.
   */
  maxConnections?(): Promise<number>;
  /** Closes the admin pools. Idempotent. */
  close(): Promise<void>;
}
