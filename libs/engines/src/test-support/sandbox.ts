import { randomBytes } from 'node:crypto';
import type { SandboxTarget } from '@sqlfleet/contracts';
import type { EngineName } from '@sqlfleet/core';
import { afterAll, beforeAll } from 'vitest';
import type { Engine } from '../engine.ts';

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

/**
 * For the tests around the call: a fresh sandbox with `schema` applied by `engine` before them;
 * the engine closed and the sandbox dropped after them. The object is filled in by `beforeAll`,
 * so read its fields inside tests only.
 */
export function sandboxFor<Admin>(
  engine: Engine,
  create: () => Promise<Sandbox<Admin>>,
  schema: readonly string[],
): Sandbox<Admin> {
  const db = {} as Sandbox<Admin>;
  beforeAll(async () => {
    Object.assign(db, await create());
    await engine.applySchema(db.target, schema);
  });
  afterAll(async () => {
    await engine.close();
    await db.drop();
  });
  return db;
}
