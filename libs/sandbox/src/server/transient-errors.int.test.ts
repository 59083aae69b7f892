/**
 * Regression, issue 9: under load PostgreSQL ran out of connection slots, a sandbox's ping failed,
 * and the provisioner took the sandbox for a broken one and rebuilt it (450 students lost their work).
 * Here the login's own connection cap is filled for real (PostgreSQL CONNECTION LIMIT → 53300, the
 * same SQLSTATE as a full server; MariaDB MAX_USER_CONNECTIONS → 1226), so no other test's
 * connections on the shared server are taken: ensure must answer a retryable SERVER_BUSY and keep
 * the sandbox, and once the slots are free the same data is there.
 */
import { randomUUID } from 'node:crypto';
import type { SandboxTarget } from '@sqlfleet/contracts';
import type { EngineName } from '@sqlfleet/core';
import { afterAll, describe, expect, it } from 'vitest';
import { fillLoginSlots } from '../../../../test/support/login-slots.ts';
import type { SandboxSpec } from '../provisioner.ts';
import { testFleet } from './test-fleet.ts';

const fleet = testFleet();
afterAll(() => fleet.close());

const spec = (engine: EngineName): SandboxSpec => ({
  sessionId: randomUUID(),
  engine,
  fingerprint: 'items-v1',
  batches: ['CREATE TABLE items (id int PRIMARY KEY)', 'INSERT INTO items VALUES (1)'],
});

async function rows(target: SandboxTarget, sql: string): Promise<unknown[][]> {
  const out = await fleet.engines.get(target.engine)?.execute(target, sql, {
    timeoutMs: 5_000,
    maxRows: 100,
    maxBytes: 100_000,
  });
  if (out?.kind !== 'ok') throw new Error(`query failed: ${JSON.stringify(out)}`);
  return out.results.at(-1)?.rows ?? [];
}

describe.each([
  ['postgres', { code: '53300' }],
  // A per-login MAX_USER_CONNECTIONS answers 1226; the global max_user_connections 1203, max_connections 1040.
  ['mysql', { errno: 1226 }],
] as const)('a %s sandbox whose login cannot get a connection', (engine, refusal) => {
  it('is kept, with its data, and ensure answers a retryable SERVER_BUSY until slots are free', async () => {
    const s = spec(engine);
    const { sandbox } = await fleet.provisioner.ensure(s);
    await rows(sandbox.target, 'CREATE TABLE kept (note varchar(20))');
    await rows(sandbox.target, "INSERT INTO kept VALUES ('mine')");
    // The engine's idle connection would answer the ping: only new connections meet the full server.
    await fleet.engines.get(engine)?.release(sandbox.target);

    const held = await fillLoginSlots(sandbox.target);
    try {
      expect(held.refusal).toMatchObject(refusal);
      // With the handle in hand, and without one (the provisioner then also resets the password).
      await expect(fleet.provisioner.ensure(s, sandbox)).rejects.toMatchObject({
        code: 'SERVER_BUSY',
        retryable: true,
      });
      await expect(fleet.provisioner.ensure(s)).rejects.toMatchObject({ code: 'SERVER_BUSY', retryable: true });
    } finally {
      await held.release();
    }

    const after = await fleet.provisioner.ensure(s, sandbox);
    expect(after.state).toBe('reused');
    expect(after.sandbox.createdAt).toBe(sandbox.createdAt);
    expect(await rows(after.sandbox.target, 'SELECT note FROM kept')).toEqual([['mine']]);
  });

  it('is kept when its handle meets a refused connection: the login is found again through the admin', async () => {
    const s = spec(engine);
    const { sandbox } = await fleet.provisioner.ensure(s);
    await rows(sandbox.target, 'CREATE TABLE kept (note varchar(20))');
    // A handle pointing at a port nobody listens on: every connection it makes is refused.
    const moved = { ...sandbox, target: { ...sandbox.target, port: 1 } };
    await expect(fleet.engines.get(engine)?.ping(moved.target)).rejects.toMatchObject({
      code: 'SANDBOX_UNREACHABLE',
      retryable: true,
    });
    const after = await fleet.provisioner.ensure(s, moved);
    expect(after.state).toBe('reused');
    expect(await rows(after.sandbox.target, 'SELECT count(*) FROM kept')).toEqual([['0']]);
  });
});
