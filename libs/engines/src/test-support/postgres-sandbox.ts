import pg from 'pg';
import { freshTarget, type Sandbox } from './sandbox.ts';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database owned by a fresh non-superuser login. */
export type PostgresSandbox = Sandbox<pg.Client>;

export async function createPostgresSandbox(): Promise<PostgresSandbox> {
  const target = freshTarget('postgres', 5432);
  const { database: name, password } = target;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.query(`CREATE ROLE ${name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}'`);
  await admin.query(`CREATE DATABASE ${name} OWNER ${name}`);
  await admin.query(`REVOKE CONNECT ON DATABASE ${name} FROM PUBLIC`);
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
