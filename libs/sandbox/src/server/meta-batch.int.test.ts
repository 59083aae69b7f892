/**
 * Claims' owner records written together (issue 9): what many claims ask for at once lands as one statement
 * on the real servers, every row with the last meta asked for its name, and a failed write fails each of its
 * callers instead of passing silently.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { MetaBatch } from './meta-batch.ts';
import { MysqlServerAdmin } from './mysql-server-admin.ts';
import { PostgresServerAdmin } from './postgres-server-admin.ts';
import type { SandboxMeta, ServerAdmin } from './server-admin.ts';

const META_DATABASE = 't_meta_batch_test';
const admins: Record<'postgres' | 'mysql', ServerAdmin> = {
  postgres: new PostgresServerAdmin({ metaDatabase: META_DATABASE }),
  mysql: new MysqlServerAdmin({ metaDatabase: META_DATABASE }),
};
afterAll(async () => {
  await Promise.all(Object.values(admins).map((admin) => admin.close()));
  const superuser = new pg.Client('postgres://postgres@127.0.0.1:5432/postgres');
  await superuser.connect();
  await superuser.query(`DROP DATABASE IF EXISTS ${META_DATABASE} WITH (FORCE)`);
  await superuser.end();
  const root = await mysql.createConnection('mysql://root@127.0.0.1:3306/mysql');
  await root.query(`DROP DATABASE IF EXISTS ${META_DATABASE}`);
  await root.end();
});

/** The admin, counting the statements the batch sends through it. */
function counted(admin: ServerAdmin): { admin: ServerAdmin; statements: () => number } {
  let statements = 0;
  const writeMetas = admin.writeMetas?.bind(admin);
  if (!writeMetas) throw new Error('the admin writes many rows at once');
  const wrapper = Object.assign(Object.create(admin) as ServerAdmin, {
    writeMetas: (metas: ReadonlyMap<string, SandboxMeta>) => {
      statements++;
      return writeMetas(metas);
    },
  });
  return { admin: wrapper, statements: () => statements };
}

describe.each(['postgres', 'mysql'] as const)('%s: claims’ owner records', (engine) => {
  it('writes what many claims ask for at once as one statement, the last meta of a name winning', async () => {
    const { admin, statements } = counted(admins[engine]);
    const batch = new MetaBatch(admin);
    const prefix = `t_${randomBytes(4).toString('hex')}_`;
    const meta = (sessionId: string): SandboxMeta => ({ sessionId, fingerprint: 'f', createdAt: 7, ready: true });
    const names = Array.from({ length: 60 }, (_, i) => `${prefix}${i}`);
    await Promise.all([
      ...names.map((name) => batch.write(name, meta(`exam-${name}`))),
      batch.write(names[0] as string, meta('student-0')),
    ]);
    expect(statements()).toBe(1);
    const stored = await admins[engine].listMeta(prefix);
    expect(stored.size).toBe(60);
    expect(stored.get(names[0] as string)?.sessionId).toBe('student-0');
    expect(stored.get(names[59] as string)).toEqual(meta(`exam-${names[59]}`));

    // Asked while a statement runs: goes in the next one, after it.
    const first = batch.write(`${prefix}late`, meta('a'));
    await new Promise((resolve) => setImmediate(resolve));
    const second = batch.write(`${prefix}late`, meta('b'));
    await Promise.all([first, second]);
    expect(statements()).toBe(3);
    expect((await admins[engine].readMeta(`${prefix}late`))?.sessionId).toBe('b');
  });
});

it('fails every caller of a statement the server refused', async () => {
  const unreachable = new PostgresServerAdmin({ url: 'postgres://postgres@127.0.0.1:1/postgres' });
  try {
    const batch = new MetaBatch(unreachable);
    const meta: SandboxMeta = { sessionId: 's', fingerprint: 'f', createdAt: 1, ready: true };
    const results = await Promise.allSettled([batch.write('t_a', meta), batch.write('t_b', meta)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  } finally {
    await unreachable.close();
  }
});
