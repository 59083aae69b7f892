/**
 * Issue 9: a pre-warmed exam's students find their connection open. The worker that pre-warms a
 * sandbox opens a connection to it into a free slot of its budget and claims those sandboxes first,
 * so a student's first query runs on a backend that was there before the student asked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../support/client.ts';
import { pgQuery } from '../support/databases.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';
import { SHOP_DBML } from '../support/schemas.ts';
import { until } from '../support/until.ts';

const TOKEN = 'exam-connections-token';
const STUDENTS = 8;

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet({ workers: 1, env: { OPS_TOKEN: TOKEN, EXAM_HEADROOM_PERCENT: '0' } });
}, 90_000);
afterAll(async () => {
  await fleet?.stop();
}, 90_000);

const exams = async (method: 'POST' | 'GET' | 'DELETE', path: string, body?: unknown) => {
  const response = await fetch(`${fleet.url}/api/exams${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as { ready?: number } };
};

describe('a pre-warmed postgres exam', () => {
  it('runs each student’s first query on a backend opened before the student asked', { timeout: 120_000 }, async () => {
    const room = `exam-conn-${Math.random().toString(36).slice(2, 8)}`;
    expect((await exams('POST', '', { room, engine: 'postgres', dbml: SHOP_DBML, students: STUDENTS })).status).toBe(
      201,
    );
    await until(
      () => exams('GET', `/${room}`),
      (a) => (a.body.ready ?? 0) >= STUDENTS,
      90_000,
    );
    const [clock] = await pgQuery<{ now: string }>(
      "SELECT to_char(clock_timestamp(), 'YYYY-MM-DD HH24:MI:SS.US TZH') AS now",
    );
    const now = clock?.now;
    const answers = await Promise.all(
      Array.from({ length: STUDENTS }, (_, i) =>
        post(
          fleet.url,
          {
            engine: 'postgres',
            room,
            dbml: SHOP_DBML,
            query: `SELECT backend_start < '${now}'::timestamptz AS opened_before FROM pg_stat_activity WHERE pid = pg_backend_pid()`,
          },
          { 'x-sqlfleet-client': `${room}-student-${i}` },
        ),
      ),
    );
    for (const answer of answers) {
      expect(answer.body, JSON.stringify(answer.body)).toMatchObject({ success: true, sandbox: 'created' });
      expect(answer.body.rows).toEqual([{ opened_before: true }]);
    }
    expect((await exams('DELETE', `/${room}`)).status).toBe(204);
  });
});
