import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresServerAdmin } from './postgres-server-admin.ts';

const admin = new PostgresServerAdmin();
afterAll(() => admin.close());

describe('the start-up report of a shared PostgreSQL', () => {
  // Issue 10 item 8: the operator is told when the server lets sandbox logins in without a password.
  it('names every pg_hba.conf line that trusts TCP logins', async () => {
    const client = new pg.Client('postgres://postgres@127.0.0.1:5432/postgres');
    await client.connect();
    const { rows } = await client
      .query<{ line: number }>(
        "SELECT line_number AS line FROM pg_hba_file_rules WHERE type LIKE 'host%' AND auth_method = 'trust'",
      )
      .finally(() => client.end());
    const warnings = (await admin.boundsReport()).filter((gap) => gap.startsWith('pg_hba.conf'));
    expect(warnings.map((w) => Number(/line (\d+)/.exec(w)?.[1]))).toEqual(rows.map((r) => r.line));
    // This machine's server trusts loopback (FIELD-NOTES): the report must say so here.
    expect(warnings.length).toBeGreaterThan(0);
  });

  it('names the databases every login may connect to, and drops one once PUBLIC lost CONNECT', async () => {
    const name = `open_${Date.now()}`;
    const client = new pg.Client('postgres://postgres@127.0.0.1:5432/postgres');
    await client.connect();
    const open = async () =>
      (await admin.boundsReport()).find((gap) => gap.startsWith('every login may CONNECT to')) ?? '';
    try {
      await client.query(`CREATE DATABASE ${name}`);
      expect(await open()).toContain(name);
      await client.query(`REVOKE CONNECT ON DATABASE ${name} FROM PUBLIC`);
      expect(await open()).not.toContain(name);
    } finally {
      await client.query(`DROP DATABASE IF EXISTS ${name}`).catch(() => undefined);
      await client.end();
    }
  });
});
