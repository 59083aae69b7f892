import { randomBytes } from 'node:crypto';
import type { SandboxTarget } from '@sqlfleet/contracts';
import pg from 'pg';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database owned by a fresh non-superuser login, for one test file. */
export interface PostgresSandbox {
  target: SandboxTarget;
  admin: pg.Client;
  drop(): Promise<void>;
}

export async function createPostgresSandbox(): Promise<PostgresSandbox> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.query(`CREATE ROLE ${name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}'`);
  await admin.query(`CREATE DATABASE ${name} OWNER ${name}`);
  await admin.query(`REVOKE CONNECT ON DATABASE ${name} FROM PUBLIC`);
  const target: SandboxTarget = {
    engine: 'postgres',
    host: '127.0.0.1',
    port: 5432,
    database: name,
    user: name,
    password,
  };
  return {
    target,
    admin,
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`DROP ROLE IF EXISTS ${name}`);
      await admin.end();
    },
  };
}
