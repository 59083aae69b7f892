/**
 * Sandbox logins get a SCRAM verifier of one iteration made by the fleet (scram-verifier.ts): on a server
 * whose logins authenticate with scram-sha-256 (this machine's trusts loopback, so a PostgreSQL of the
 * test's own with an hba file that asks for it), the password must work, a wrong one must not.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateServer, privatePostgres } from '../../../../test/support/private-servers.ts';
import { PostgresServerAdmin } from './postgres-server-admin.ts';
import { newPassword } from './sandbox-names.ts';

let server: PrivateServer;
let admin: PostgresServerAdmin;
let hbaDir: string;

beforeAll(async () => {
  hbaDir = mkdtempSync(join(tmpdir(), 'sqlfleet-hba-'));
  chmodSync(hbaDir, 0o755); // the server runs as its own user, which reads the file
  const hba = join(hbaDir, 'pg_hba.conf');
  writeFileSync(
    hba,
    'local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n',
    { mode: 0o644 },
  );
  server = await privatePostgres([`hba_file=${hba}`]);
  admin = new PostgresServerAdmin({ url: server.url });
}, 60_000);

afterAll(async () => {
  await admin?.close();
  await server?.stop();
  if (hbaDir) rmSync(hbaDir, { recursive: true, force: true });
});

async function login(user: string, password: string): Promise<unknown> {
  const client = new pg.Client({ host: '127.0.0.1', port: server.port, user, password, database: user });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query('SELECT current_user AS me')).rows[0]?.me;
  } finally {
    await client.end();
  }
}

describe('a sandbox login on a server that asks for scram-sha-256', () => {
  it('logs in with its password (a verifier of one iteration), not with another, and after a new one', async () => {
    const name = 't_scram_login';
    const password = newPassword();
    await admin.createSandbox(name, name, password);
    expect(await login(name, password)).toBe(name);
    await expect(login(name, newPassword())).rejects.toMatchObject({ code: '28P01' });
    const superuser = new pg.Client({ connectionString: server.url });
    await superuser.connect();
    const { rows } = await superuser.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [name]);
    await superuser.end();
    expect(String(rows[0]?.rolpassword)).toMatch(/^SCRAM-SHA-256\$1:/);
    const changed = newPassword();
    await admin.setPassword(name, changed);
    expect(await login(name, changed)).toBe(name);
    await expect(login(name, password)).rejects.toMatchObject({ code: '28P01' });
  });
});
