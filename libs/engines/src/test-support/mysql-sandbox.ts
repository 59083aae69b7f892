import mysql from 'mysql2/promise';
import { freshTarget, type Sandbox } from './sandbox.ts';

const ADMIN_URL = 'mysql://root@127.0.0.1:3306';

/** A fresh database and a login granted only on it. */
export type MysqlSandbox = Sandbox<mysql.Connection>;

export async function createMysqlSandbox(): Promise<MysqlSandbox> {
  const target = freshTarget('mysql', 3306);
  const { database: name, password } = target;
  const admin = await mysql.createConnection(ADMIN_URL);
  admin.on('error', () => undefined);
  await admin.query(`CREATE DATABASE \`${name}\``);
  await admin.query(`CREATE USER '${name}'@'%' IDENTIFIED BY '${password}'`);
  await admin.query(`GRANT ALL ON \`${name}\`.* TO '${name}'@'%'`);
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
