/**
 * Issue 9 items 5 and 6 end to end: a worker trusts a sandbox it verified only until an error
 * says otherwise, and one room's burst does not starve another room's students.
 * One worker with two slots and a room share of one, so the order of completions shows the share.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, post, waitForJob } from '../support/client.ts';
import { fleetFootprint, mysqlQuery, pgQuery } from '../support/databases.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';
import { SHOP_DBML, SLEEP } from '../support/schemas.ts';

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet({
    workers: 1,
    env: { WORKER_CONCURRENCY: '2', ROOM_CONCURRENCY: '1', CONNECTION_IDLE_MS: '1500' },
  });
}, 90_000);
afterAll(async () => {
  await fleet?.stop();
}, 90_000);

const put = async (path: string, body: unknown) => {
  const response = await fetch(`${fleet.url}${path}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe.each(['postgres', 'mysql'] as const)('a trusted %s sandbox', (engine) => {
  it('is verified again when it vanished behind the worker, and the next query rebuilds it', {
    timeout: 90_000,
  }, async () => {
    const before = await fleetFootprint(fleet.fleetId);
    const first = await post(fleet.url, { engine, dbml: SHOP_DBML, query: 'SELECT 1 AS one' });
    const again = await post(fleet.url, { engine, sessionId: first.body.sessionId, query: 'SELECT 2 AS two' });
    expect(again.body).toMatchObject({ success: true, sandbox: 'reused' });

    // Dropped outside sqlfleet (an operator, a server restored from backup): the worker still trusts it.
    const after = await fleetFootprint(fleet.fleetId);
    const [name] = (engine === 'postgres' ? after.pg : after.mysql).filter(
      (db) => !(engine === 'postgres' ? before.pg : before.mysql).includes(db),
    );
    expect(name).toBeDefined();
    if (engine === 'postgres') await pgQuery(`DROP DATABASE "${name}" WITH (FORCE)`);
    else await mysqlQuery(`DROP DATABASE \`${name}\``);

    const rebuilt = await post(fleet.url, {
      engine,
      sessionId: first.body.sessionId,
      query: 'SELECT COUNT(*) AS n FROM customers',
    });
    expect(rebuilt.body, JSON.stringify(rebuilt.body)).toMatchObject({ success: true, sandbox: 'recreated' });
    expect(String(rebuilt.body.rows[0]?.n)).toBe('2');
  });
});

describe('a student thinking between queries', () => {
  it('keeps their connection for CONNECTION_IDLE_MS, then gives the slot back to the server', {
    timeout: 60_000,
  }, async () => {
    const ask = async (sessionId?: string) => {
      const { body } = await post(fleet.url, {
        engine: 'postgres',
        sessionId,
        dbml: sessionId ? undefined : SHOP_DBML,
        query: 'SELECT pg_backend_pid() AS pid',
      });
      expect(body, JSON.stringify(body)).toMatchObject({ success: true });
      return { sessionId: body.sessionId as string, pid: Number(body.rows[0]?.pid) };
    };
    const first = await ask();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await ask(first.sessionId)).pid).toBe(first.pid);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const later = await ask(first.sessionId);
    expect(later.pid).not.toBe(first.pid);
    expect(await pgQuery(`SELECT pid FROM pg_stat_activity WHERE pid = ${first.pid}`)).toEqual([]);
  });
});

describe('rooms', () => {
  it('lets a room with one query through while another room’s burst still has a backlog', {
    timeout: 90_000,
  }, async () => {
    const [examA, examB] = [`a-${randomUUID().slice(0, 8)}`, `b-${randomUUID().slice(0, 8)}`];
    // Sessions (and sandboxes) exist first: the burst is of queries, not of sandbox builds.
    const burst = await Promise.all(
      Array.from({ length: 6 }, () => post(fleet.url, { engine: 'postgres', room: examA, query: 'SELECT 1' })),
    );
    const single = await post(fleet.url, { engine: 'postgres', room: examB, query: 'SELECT 1' });
    expect([...burst, single].every((a) => a.body.success)).toBe(true);

    const slow = [];
    for (const { body } of burst) {
      slow.push(
        await post(fleet.url, { engine: 'postgres', sessionId: body.sessionId, wait: false, query: SLEEP.postgres(1) }),
      );
    }
    const answer = await post(fleet.url, {
      engine: 'postgres',
      sessionId: single.body.sessionId,
      query: 'SELECT 2 AS b',
    });
    expect(answer.body).toMatchObject({ success: true, rows: [{ b: 2 }] });

    // Without a share, B's query would wait behind the whole burst (one slot each, six seconds of work ahead of it).
    const states = await Promise.all(slow.map(({ body }) => get(fleet.url, `/api/jobs/${body.jobId}`)));
    const unfinished = states.filter(({ body }) => body.state !== 'done').length;
    expect(unfinished).toBeGreaterThanOrEqual(3);

    const queue = await get<{
      rooms: Record<string, { waiting: number; running: number; waitMs: { p50: number | null; p95: number | null } }>;
    }>(fleet.url, '/api/queue');
    expect(queue.body.rooms[examA]?.waiting).toBeGreaterThanOrEqual(2);
    expect(queue.body.rooms[examB]?.waitMs.p95).toEqual(expect.any(Number));

    for (const { body } of slow)
      expect(await waitForJob(fleet.url, String(body.jobId), 60_000)).toMatchObject({ state: 'done' });
  });

  it('takes a room’s share and priority from the ops API, and refuses nonsense', async () => {
    const room = `c-${randomUUID().slice(0, 8)}`;
    expect((await get(fleet.url, `/api/rooms/${room}/limits`)).body).toEqual({ room, concurrency: 1, priority: 100 });
    expect((await put(`/api/rooms/${room}/limits`, { concurrency: 3, priority: 5 })).body).toEqual({
      room,
      concurrency: 3,
      priority: 5,
    });
    expect((await put(`/api/rooms/${room}/limits`, { priority: null })).body).toMatchObject({ priority: 100 });
    const bad = await put(`/api/rooms/${room}/limits`, { priority: 0 });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
  });
});
