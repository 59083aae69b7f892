/**
 * The proctor's and teacher's contract, end to end on a real fleet (two API replicas, a worker):
 * proctor tokens per room, who may open the dashboard and /api/queue, the room's figures read
 * the same on every replica, and the audit trail exported as JSON and CSV.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../support/client.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';
import { SHOP_DBML } from '../support/schemas.ts';
import { until } from '../support/until.ts';

const OPS = 'ops-secret-for-tests-0123456789';
let fleet: Fleet;
const roomA = `exam-a-${Date.now()}`;
const roomB = `exam-b-${Date.now()}`;

const call = async (url: string, path: string, token?: string, init: RequestInit = {}) => {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${url}${path}`, { ...init, headers });
  const text = await response.text();
  return { status: response.status, text, type: response.headers.get('content-type') ?? '' };
};
const json = (answer: { text: string }) => JSON.parse(answer.text);
const makeToken = async (room: string) =>
  json(await call(fleet.url, `/api/rooms/${room}/proctor-tokens`, OPS, { method: 'POST' })).token as string;

beforeAll(async () => {
  fleet = await startFleet({
    apis: 2,
    workers: 1,
    env: { OPS_TOKEN: OPS, LOG_LEVEL: 'info', DASHBOARD_PUSH_MS: '500' },
  });
}, 90_000);
afterAll(async () => {
  await fleet?.stop();
}, 90_000);

describe('proctor tokens', () => {
  it('are made by ops only, per room', async () => {
    expect((await call(fleet.url, `/api/rooms/${roomA}/proctor-tokens`, undefined, { method: 'POST' })).status).toBe(
      401,
    );
    expect((await call(fleet.url, `/api/rooms/${roomA}/proctor-tokens`, 'wrong', { method: 'POST' })).status).toBe(401);
    expect((await call(fleet.url, '/api/rooms/bad%20room/proctor-tokens', OPS, { method: 'POST' })).status).toBe(400);
    const made = await call(fleet.url, `/api/rooms/${roomA}/proctor-tokens`, OPS, { method: 'POST' });
    expect(made.status).toBe(201);
    expect(json(made)).toMatchObject({ room: roomA, token: expect.stringMatching(/^pt_/) });
  });

  it('open the dashboard and /api/queue for their room only; no token or a session id is refused', async () => {
    const tokenA = await makeToken(roomA);
    const student = await post(fleet.url, {
      engine: 'postgres',
      dbml: SHOP_DBML,
      room: roomA,
      query: 'SELECT 1 AS one',
    });
    expect(student.status).toBe(200);
    for (const path of ['/proctor', '/api/proctor/dashboard', '/api/queue']) {
      expect((await call(fleet.url, path)).status, path).toBe(401);
      expect((await call(fleet.url, path, student.body.sessionId)).status, path).toBe(401);
      expect((await call(fleet.url, `${path}?token=${student.body.sessionId}`)).status, path).toBe(401);
      expect((await call(fleet.url, path, tokenA)).status, path).toBe(200);
    }
    expect((await call(fleet.url, `/proctor?token=${tokenA}`)).type).toContain('text/html');
    const queue = json(await call(fleet.url, '/api/queue', tokenA));
    expect(Object.keys(queue.byRoom)).toEqual([roomA]);
    expect(queue.queries).toBeUndefined(); // the fleet's totals would tell about other rooms
    expect(json(await call(fleet.url, '/api/queue', OPS))).toHaveProperty('queries');
  });
});

describe('the dashboard figures', () => {
  it('count a room’s queries by outcome, the same on every API replica, and never show another room', async () => {
    const tokenA = await makeToken(roomA);
    const first = await post(fleet.url, { engine: 'postgres', dbml: SHOP_DBML, room: roomA, query: 'SELECT 1' });
    await post(fleet.urls[1] as string, {
      engine: 'postgres',
      sessionId: first.body.sessionId,
      room: roomA,
      query: 'SELEC 1',
    });
    await post(fleet.url, { engine: 'postgres', dbml: SHOP_DBML, room: roomB, query: 'SELECT 2' });

    const read = async (url: string) => json(await call(url, '/api/proctor/dashboard', tokenA));
    const seen = await until(
      () => read(fleet.url),
      (d) => (d.rooms[roomA]?.lastMinute.outcomes['sql-error'] ?? 0) >= 1,
    );
    expect(Object.keys(seen.rooms)).toEqual([roomA]);
    expect(seen.fleet).toBeUndefined();
    const room = seen.rooms[roomA];
    expect(room.lastMinute.outcomes.ok).toBeGreaterThanOrEqual(1);
    expect(room.lastMinute.waitMs.p95).not.toBeNull();
    expect(room.sessions).toBeGreaterThanOrEqual(1);
    expect(room.series.at).toHaveLength(90);
    expect(seen.workers.alive).toBe(1);

    const other = await read(fleet.urls[1] as string);
    expect(other.rooms[roomA].lastMinute).toEqual(room.lastMinute);

    // Workers write figures in batches (every 100 ms): room B's query shows once its batch is in.
    const ops = await until(
      async () => json(await call(fleet.url, '/api/proctor/dashboard', OPS)),
      (d) => d.rooms[roomB] !== undefined,
    );
    expect(Object.keys(ops.rooms)).toEqual(expect.arrayContaining([roomA, roomB]));
    expect(ops.fleet.lastMinute.queries).toBeGreaterThanOrEqual(room.lastMinute.queries + 1);
  });

  it('count refused queries of a room with their code', async () => {
    const tokenA = await makeToken(roomA);
    const refused = await post(fleet.url, { engine: 'postgres', room: roomA, query: 'x'.repeat(300 * 1024) });
    expect(refused.status).toBe(413);
    const seen = await until(
      async () => json(await call(fleet.url, '/api/proctor/dashboard', tokenA)),
      (d) => (d.rooms[roomA]?.lastMinute.outcomes['refused:QUERY_TOO_LARGE'] ?? 0) >= 1,
    );
    expect(seen.rooms[roomA].lastMinute.outcomes['refused:QUERY_TOO_LARGE']).toBe(1);
  });
});

describe('an exam room on the dashboard', () => {
  it('shows the pre-warmed sandboxes of its exam, then the claims of its students', async () => {
    const room = `exam-c-${Date.now()}`;
    const registered = await call(fleet.url, '/api/exams', OPS, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ room, engine: 'postgres', dbml: SHOP_DBML, students: 2 }),
    });
    expect(registered.status).toBe(201);
    const token = await makeToken(room);
    const read = async () => json(await call(fleet.url, '/api/proctor/dashboard', token));
    const warmed = await until(read, (d) => (d.rooms[room]?.exam?.ready ?? 0) >= 2, 60_000);
    expect(warmed.rooms[room].exam).toMatchObject({ students: 2, claimed: 0 });
    expect(warmed.rooms[room].exam.ready).toBeGreaterThanOrEqual(2);

    const student = await post(fleet.url, { engine: 'postgres', dbml: SHOP_DBML, room, query: 'SELECT 1' });
    expect(student.status).toBe(200);
    const claimed = await until(read, (d) => d.rooms[room]?.exam?.claimed === 1);
    expect(claimed.rooms[room].exam.claimed).toBe(1);
  }, 90_000);
});

describe('the audit trail', () => {
  it('lists a room’s queries as JSON and as formula-safe CSV, to its proctor or ops only', async () => {
    const tokenA = await makeToken(roomA);
    const tokenB = await makeToken(roomB);
    const sql = '=1+1, "quoted"\nSELECT 1';
    const answer = await post(fleet.url, { engine: 'postgres', dbml: SHOP_DBML, room: roomA, query: sql });
    expect(answer.body.success).toBe(false);

    expect((await call(fleet.url, `/api/rooms/${roomA}/audit`)).status).toBe(401);
    expect((await call(fleet.url, `/api/rooms/${roomA}/audit`, answer.body.sessionId)).status).toBe(401);
    expect((await call(fleet.url, `/api/rooms/${roomA}/audit`, tokenB)).status).toBe(403);
    expect((await call(fleet.url, `/api/rooms/${roomA}/audit?limit=0`, tokenA)).status).toBe(400);

    const entries = await until(
      async () => json(await call(fleet.url, `/api/rooms/${roomA}/audit`, tokenA)) as Record<string, unknown>[],
      (list) => list.some((e) => e.sql === sql),
    );
    const entry = entries.find((e) => e.sql === sql);
    expect(entry).toMatchObject({
      room: roomA,
      sessionId: answer.body.sessionId,
      engine: 'postgres',
      outcome: 'sql-error',
      code: '42601',
      jobId: answer.body.jobId,
      clientId: expect.stringMatching(/^ip:/),
    });
    expect(Number.isNaN(Date.parse(String(entry?.at)))).toBe(false);
    expect(typeof entry?.durationMs).toBe('number');
    expect(entries.every((e) => e.room === roomA)).toBe(true);

    const csv = await call(fleet.url, `/api/rooms/${roomA}/audit?format=csv`, OPS);
    expect(csv.type).toContain('text/csv');
    expect(csv.text.split('\r\n')[0]).toBe(
      'at,room,sessionId,clientId,engine,jobId,outcome,code,durationMs,waitMs,sql',
    );
    expect(csv.text).toContain(`,sql-error,42601,`);
    expect(csv.text).toContain(`"'=1+1, ""quoted""\nSELECT 1"`);
  });

  it('never writes a token to the logs', async () => {
    const token = await makeToken(roomA);
    await call(fleet.url, `/proctor?token=${token}`);
    await call(fleet.url, `/api/rooms/${roomA}/audit?token=${token}`);
    await call(fleet.url, `/metrics?token=${OPS}`);
    await until(
      async () => fleet.logs(),
      (logs) => logs.includes('audit exported'),
    );
    expect(fleet.logs()).toContain('token=[redacted]');
    expect(fleet.logs()).not.toContain(token);
    expect(fleet.logs()).not.toContain(OPS);
  });
});
