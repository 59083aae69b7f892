/**
 * Exams registered ahead, end to end (issue 9 item 3): a real API, two workers and a reaper; the
 * exam's sandboxes are built before its students arrive and claimed by their first queries.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../support/client.ts';
import { fleetFootprint, pgQuery } from '../support/databases.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';
import { SHOP_DBML } from '../support/schemas.ts';
import { until } from '../support/until.ts';

const TOKEN = 'exam-ops-token';
const STUDENTS = 30;

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet({
    workers: 2,
    // The reaper sweeps for orphans all along: a live exam's pool must survive it.
    reaper: true,
    env: { OPS_TOKEN: TOKEN, EXAM_HEADROOM_PERCENT: '10', EXAM_MAX_STUDENTS: '500', REAPER_INTERVAL_MS: '500' },
  });
}, 90_000);
afterAll(async () => {
  await fleet?.stop();
}, 90_000);

interface ExamAnswer {
  room: string;
  engine: string;
  students: number;
  target: number;
  ready: number;
  claimed: number;
  missed: number;
  error?: { code: string; line?: number; column?: number; ceiling?: number };
}

async function exams(
  method: 'POST' | 'GET' | 'DELETE',
  path: string,
  body?: unknown,
  token = TOKEN,
): Promise<{ status: number; body: ExamAnswer }> {
  const response = await fetch(`${fleet.url}/api/exams${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

const roomName = (label: string) => `exam-${label}-${Math.random().toString(36).slice(2, 8)}`;
const databasesOf = async (engine: 'postgres' | 'mysql') => {
  const found = await fleetFootprint(fleet.fleetId);
  return new Set(engine === 'postgres' ? found.pg : found.mysql);
};
const waitReady = (room: string, ready: number) =>
  until(
    () => exams('GET', `/${room}`),
    (a) => a.body.ready >= ready,
    120_000,
  );

describe.each(['postgres', 'mysql'] as const)('a %s exam', (engine) => {
  it('is pre-warmed, then each student claims a seeded sandbox of their own, nothing built on the way', async () => {
    const room = roomName(engine);
    const made = await exams('POST', '', { room, engine, dbml: SHOP_DBML, students: STUDENTS });
    expect(made.status).toBe(201);
    const target = STUDENTS + Math.ceil(STUDENTS / 10);
    expect(made.body).toMatchObject({ room, engine, students: STUDENTS, target, claimed: 0 });

    const warm = await waitReady(room, target);
    expect(warm.body).toMatchObject({ ready: target, claimed: 0 });
    const before = await databasesOf(engine);
    expect(before.size).toBe(target);

    // Every student at once, each its own editor; each writes a row only it should ever see.
    const answers = await Promise.all(
      Array.from({ length: STUDENTS }, (_, i) =>
        post(
          fleet.url,
          {
            engine,
            room,
            dbml: SHOP_DBML,
            query: `INSERT INTO customers (id, name) VALUES (100, 'student ${i}'); SELECT name FROM customers ORDER BY id`,
          },
          { 'x-sqlfleet-client': `${room}-student-${i}` },
        ),
      ),
    );
    answers.forEach((answer, i) => {
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ success: true, sandbox: 'created' });
      // Seeded (Ada, Grace) and holding its own write and nobody else's.
      expect(answer.body.rows).toEqual([{ name: 'Ada' }, { name: 'Grace' }, { name: `student ${i}` }]);
    });
    expect(new Set(answers.map((a) => a.body.sessionId)).size).toBe(STUDENTS);

    const after = await exams('GET', `/${room}`);
    expect(after.body).toMatchObject({ ready: target - STUDENTS, claimed: STUDENTS, missed: 0 });
    // Nothing was built for the students: the server holds exactly the pre-warmed databases.
    expect(await databasesOf(engine)).toEqual(before);

    const next = await post(fleet.url, { engine, sessionId: answers[0]?.body.sessionId, query: 'SELECT 1 AS one' });
    expect(next.body).toMatchObject({ success: true, sandbox: 'reused' });

    // Deleting the exam removes the unclaimed sandboxes only; students keep theirs.
    expect((await exams('DELETE', `/${room}`)).status).toBe(204);
    // Removed at once, or (one that failed to go) by the reaper's next sweep.
    const left = await until(
      () => databasesOf(engine),
      (names) => names.size === STUDENTS,
    );
    expect(left.size).toBe(STUDENTS);
    for (const name of left) expect(before.has(name)).toBe(true);
    expect((await exams('GET', `/${room}`)).body.error?.code).toBe('EXAM_NOT_FOUND');
    const still = await post(fleet.url, {
      engine,
      sessionId: answers[1]?.body.sessionId,
      query: 'SELECT name FROM customers WHERE id = 100',
    });
    expect(still.body).toMatchObject({ success: true, sandbox: 'reused', rows: [{ name: 'student 1' }] });
  }, 240_000);
});

describe('exam registration', () => {
  const exam = (over: Record<string, unknown> = {}) => ({
    room: roomName('bad'),
    engine: 'postgres',
    dbml: SHOP_DBML,
    students: 3,
    ...over,
  });

  it('needs the ops token', async () => {
    expect((await exams('POST', '', exam(), '')).body.error?.code).toBe('OPS_TOKEN_REQUIRED');
    expect((await exams('GET', '/anything', undefined, 'wrong')).status).toBe(401);
    expect((await exams('DELETE', '/anything', undefined, '')).status).toBe(401);
  });

  it('refuses bad input with stable codes', async () => {
    const unknown = await exams('POST', '', exam({ engine: 'oracle' }));
    expect(unknown).toMatchObject({ status: 400, body: { error: { code: 'UNKNOWN_ENGINE' } } });

    const badDbml = await exams('POST', '', exam({ dbml: 'Table t {\n  id int [pk\n}' }));
    expect(badDbml.status).toBe(400);
    expect(badDbml.body.error).toMatchObject({ code: 'DBML_INVALID', line: expect.any(Number) });
    expect(badDbml.body.error?.column).toEqual(expect.any(Number));

    const absurd = await exams('POST', '', exam({ students: 501 }));
    expect(absurd).toMatchObject({ status: 400, body: { error: { code: 'LIMIT_ABOVE_CEILING', ceiling: 500 } } });
    expect((await exams('POST', '', exam({ students: 0 }))).body.error?.code).toBe('VALIDATION_FAILED');
    expect((await exams('POST', '', exam({ room: 'has space' }))).body.error?.code).toBe('VALIDATION_FAILED');

    const taken = exam();
    expect((await exams('POST', '', taken)).status).toBe(201);
    expect(await exams('POST', '', taken)).toMatchObject({ status: 409, body: { error: { code: 'EXAM_EXISTS' } } });
    expect((await exams('DELETE', `/${taken.room}`)).status).toBe(204);
    expect((await exams('DELETE', `/${taken.room}`)).body.error?.code).toBe('EXAM_NOT_FOUND');
  });

  it('leaves a live exam’s pool to the reaper’s sweep, and removes it once the exam expires', async () => {
    const room = roomName('expiry');
    expect((await exams('POST', '', { room, engine: 'mysql', dbml: SHOP_DBML, students: 2 })).status).toBe(201);
    await waitReady(room, 3);
    const before = await databasesOf('mysql');
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // a few sweeps
    expect((await exams('GET', `/${room}`)).body.ready).toBe(3);
    expect(await databasesOf('mysql')).toEqual(before);

    // Expiry is the exam's Redis TTL running out: make it run out now.
    const redis = new Redis('redis://127.0.0.1:6379');
    try {
      expect(await redis.pexpire(`${fleet.fleetId}:exam:${room}`, 1)).toBe(1);
    } finally {
      redis.disconnect();
    }
    const after = await until(
      () => databasesOf('mysql'),
      (left) => left.size === before.size - 3,
      20_000,
    );
    expect(after.size).toBe(before.size - 3);
  }, 120_000);

  it('answers a student whose claimed sandbox vanished before the first query (dropped from outside)', async () => {
    const room = roomName('gone');
    const before = await databasesOf('postgres');
    expect((await exams('POST', '', { room, engine: 'postgres', dbml: SHOP_DBML, students: 1 })).status).toBe(201);
    await waitReady(room, 2);
    // A claim trusts the pool (no admin checks first): take the exam's sandboxes away behind the fleet's back.
    const pool = [...(await databasesOf('postgres'))].filter((name) => !before.has(name));
    expect(pool).toHaveLength(2);
    for (const name of pool) await pgQuery(`DROP DATABASE "${name}" WITH (FORCE)`);
    const answer = await post(
      fleet.url,
      { engine: 'postgres', room, dbml: SHOP_DBML, query: 'SELECT COUNT(*) AS n FROM customers' },
      { 'x-sqlfleet-client': `${room}-0` },
    );
    expect(answer.body).toMatchObject({ success: true, rows: [{ n: expect.anything() }] });
    expect((await exams('DELETE', `/${room}`)).status).toBe(204);
  }, 120_000);

  it('falls back to building when the pool runs dry', async () => {
    const room = roomName('dry');
    expect((await exams('POST', '', { room, engine: 'postgres', dbml: SHOP_DBML, students: 1 })).status).toBe(201);
    await waitReady(room, 2); // 1 student + 10% headroom, rounded up
    const answers = await Promise.all(
      [0, 1, 2].map((i) =>
        post(
          fleet.url,
          { engine: 'postgres', room, dbml: SHOP_DBML, query: 'SELECT COUNT(*) AS n FROM customers' },
          { 'x-sqlfleet-client': `${room}-${i}` },
        ),
      ),
    );
    for (const answer of answers) expect(answer.body).toMatchObject({ success: true, sandbox: 'created' });
    expect((await exams('GET', `/${room}`)).body).toMatchObject({ ready: 0, claimed: 2, missed: 1 });
    expect((await exams('DELETE', `/${room}`)).status).toBe(204);
  }, 120_000);

  it('logs no warning over and over: repeats are folded', () => {
    expect(fleet.repeatedWarnings(), fleet.faults()).toEqual([]);
  });
});
