import { randomBytes } from 'node:crypto';
import type { SandboxTarget } from '@sqlfleet/contracts';
import mysql from 'mysql2/promise';

const ADMIN_URL = 'mysql://root@127.0.0.1:3306';

/** A fresh database and a login granted only on it, for one test file. */
export interface MysqlSandbox {
  target: SandboxTarget;
  admin: mysql.Connection;
  drop(): Promise<void>;
}

export async function createMysqlSandbox(): Promise<MysqlSandbox> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const admin = await mysql.createConnection(ADMIN_URL);
  admin.on('error', () => undefined);
  await admin.query(`CREATE DATABASE \`${name}\``);
  await admin.query(`CREATE USER '${name}'@'%' IDENTIFIED BY '${password}'`);
  await admin.query(`GRANT ALL ON \`${name}\`.* TO '${name}'@'%'`);
  const target: SandboxTarget = {
    engine: 'mysql',
    host: '127.0.0.1',
    port: 3306,
    database: name,
    user: name,
    password,
  };
  return {
    target,
    admin,
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.query(`DROP USER IF EXISTS '${name}'@'%'`);
      await admin.end();
    },
  };
}
