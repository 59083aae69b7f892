/**
 * Issue 9, as a student sees it: while the server refuses their sandbox login a connection (its
 * slots taken, as on a full server), a query waits and is retried by the worker; it answers once
 * the slots are free, with everything the student made still there, or, if they never free up
 * within WORKER_RETRY_MS, with a clear retryable SERVER_BUSY. Never `sandbox: "recreated"`.
 * Issue 10: retried for as long as the refusal lasts, not a fixed number of tries (4 BullMQ attempts,
 * about 3.5 s, failed accepted queries whenever a busy server or a Redis outage lasted longer).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SandboxTarget } from '@sqlfleet/contracts';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../support/client.ts';
import { mysqlQuery, pgQuery } from '../support/databases.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';
import { fillLoginSlots } from '../support/login-slots.ts';
import { SHOP_DBML } from '../support/schemas.ts';

/** The fleet's WORKER_RETRY_MS. */
const RETRY_MS = 12_000;
/** How long the login's slots are held in the first case: past the old 4 tries (about 3.5 s), short of RETRY_MS. */
const HELD_MS = 6_000;
let fleet: Fleet;
const redis = new Redis('redis://127.0.0.1:6379');
beforeAll(async () => {
  fleet = await startFleet({ workers: 1, env: { WORKER_RETRY_MS: String(RETRY_MS) } });
}, 90_000);
afterAll(async () => {
  await fleet?.stop();
  redis.disconnect();
}, 90_000);

/** The session's sandbox login, as the worker stored it. */
async function loginOf(sessionId: string): Promise<SandboxTarget> {
  const stored = await redis.hget(`${fleet.fleetId}:session:${sessionId}`, 'sandbox');
  if (!stored) throw new Error(`session ${sessionId} has no sandbox`);
  return (JSON.parse(stored) as { target: SandboxTarget }).target;
}

/** Ends the worker's idle connections of that login, so its next query must open a new one. */
async function endConnectionsOf(target: SandboxTarget): Promise<void> {
  if (target.engine === 'postgres') {
    await pgQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [target.user]);
    return;
  }
  const threads = await mysqlQuery<{ id: number }>(
    'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?',
    [target.user],
  );
  for (const { id } of threads) await mysqlQuery('KILL CONNECTION ?', [id]).catch(() => undefined);
}

async function studentWithNotes(engine: 'postgres' | 'mysql'): Promise<{ sessionId: string; target: SandboxTarget }> {
  const first = await post(fleet.url, {
    engine,
    dbml: SHOP_DBML,
    query: "CREATE TABLE notes (body VARCHAR(20)); INSERT INTO notes VALUES ('mine')",
  });
  expect(first.body).toMatchObject({ success: true, sandbox: 'created' });
  const target = await loginOf(first.body.sessionId);
  await endConnectionsOf(target);
  return { sessionId: first.body.sessionId, target };
}

describe.each(['postgres', 'mysql'] as const)('%s: a student whose login cannot get a connection', (engine) => {
  it('waits while the worker retries, then gets the answer with their table still there', async () => {
    const { sessionId, target } = await studentWithNotes(engine);
    const held = await fillLoginSlots(target);
    const pending = post(fleet.url, { engine, sessionId, query: 'SELECT body FROM notes' });
    await sleep(HELD_MS);
    await held.release();
    const answer = await pending;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ success: true, sandbox: 'reused', rows: [{ body: 'mine' }] });
  }, 60_000);

  it('gets a retryable SERVER_BUSY when the slots stay taken past WORKER_RETRY_MS; the next query finds the data', async () => {
    const { sessionId, target } = await studentWithNotes(engine);
    const held = await fillLoginSlots(target);
    const refused = await post(fleet.url, { engine, sessionId, query: 'SELECT body FROM notes' }).finally(() =>
      held.release(),
    );
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: 'SERVER_BUSY' });
    const later = await post(fleet.url, { engine, sessionId, query: 'SELECT body FROM notes' });
    expect(later.body).toMatchObject({ success: true, sandbox: 'reused', rows: [{ body: 'mine' }] });
  }, 60_000);

  it('logs no warning over and over: repeats are folded', () => {
    expect(fleet.repeatedWarnings(), fleet.faults()).toEqual([]);
  });
});
