/**
 * Bare sandboxes for the engine bench: a database and a login that owns only it, on the
 * machine's PostgreSQL and MariaDB, named `bench_<random>` and dropped by `drop()`.
 */
import { randomBytes } from 'node:crypto';
import type { SandboxTarget } from '@sqlfleet/contracts';
import type { EngineName } from '@sqlfleet/core';
import mysql from 'mysql2/promise';
import pg from 'pg';

export interface BenchSandbox {
  target: SandboxTarget;
  drop(): Promise<void>;
}

export async function createSandbox(engine: EngineName): Promise<BenchSandbox> {
  const name = `bench_${randomBytes(6).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  if (engine === 'postgres') return postgresSandbox(name, password);
  if (engine === 'mysql') return mysqlSandbox(name, password);
  throw new Error(`no ${engine} server on this machine`);
}

async function postgresSandbox(name: string, password: string): Promise<BenchSandbox> {
  const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.query(`CREATE ROLE ${name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}'`);
  await admin.query(`CREATE DATABASE ${name} OWNER ${name}`);
  return {
    target: { engine: 'postgres', host: '127.0.0.1', port: 5432, database: name, user: name, password },
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`DROP ROLE IF EXISTS ${name}`);
      await admin.end();
    },
  };
}

async function mysqlSandbox(name: string, password: string): Promise<BenchSandbox> {
  const admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
  admin.on('error', () => undefined);
  await admin.query(`CREATE DATABASE \`${name}\``);
  await admin.query(`CREATE USER '${name}'@'%' IDENTIFIED BY '${password}'`);
  await admin.query(`GRANT ALL ON \`${name}\`.* TO '${name}'@'%'`);
  return {
    target: { engine: 'mysql', host: '127.0.0.1', port: 3306, database: name, user: name, password },
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.query(`DROP USER IF EXISTS '${name}'@'%'`);
      await admin.end();
    },
  };
}
