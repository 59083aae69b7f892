import { randomBytes } from 'node:crypto';
import type { SandboxTarget } from '@sqlfleet/contracts';
import type { EngineName } from '@sqlfleet/core';

/** A fresh database and a login allowed only into it, for one test file. */
export interface Sandbox<Admin> {
  target: SandboxTarget;
  /** A superuser connection, for creating, inspecting and killing from outside. */
  admin: Admin;
  drop(): Promise<void>;
}

/** A unique name (the database's and the login's) with a random password, on the local server. */
export function freshTarget(engine: EngineName, port: number): SandboxTarget {
  const name = `t_${randomBytes(6).toString('hex')}`;
  return { engine, host: '127.0.0.1', port, database: name, user: name, password: randomBytes(12).toString('hex') };
}
