/** Every refusal a client can meet answers 4xx (or 503) with a stable code and a clear message. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, post } from '../support/client.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';

let fleet: Fleet;
const OPS_TOKEN = 'proctor-secret-0123456789';
beforeAll(async () => {
  fleet = await startFleet({
    workers: 1,
    env: {
      RATE_LIMIT_PER_MINUTE: '40',
      MAX_SESSIONS_PER_CLIENT: '2',
      MAX_QUERY_BYTES: '1024',
      MAX_DBML_BYTES: '2048',
      MAX_BODY_BYTES: '8192',
      OPS_TOKEN,
    },
  });
}, 90_000);
afterAll(async () => {
  await fleet?.stop();
}, 90_000);

/** Each test speaks as its own client, so limits of one test do not spill into another. */
let clients = 0;
const asClient = () => ({ 'x-sqlfleet-client': `test-client-${++clients}` });

const refusals: [string, unknown, number, string][] = [
  ['an unknown engine', { engine: 'oracle', query: 'SELECT 1' }, 400, 'UNKNOWN_ENGINE'],
  ['a missing query', { engine: 'postgres' }, 400, 'QUERY_MISSING'],
  ['a blank query', { engine: 'postgres', query: '   ' }, 400, 'QUERY_MISSING'],
  ['a body that is not an object', [1, 2], 400, 'VALIDATION_FAILED'],
  ['a field of the wrong type', { engine: 'postgres', query: 'SELECT 1', wait: 'yes' }, 400, 'VALIDATION_FAILED'],
  [
    'a timeout above its ceiling',
    { engine: 'postgres', query: 'SELECT 1', timeoutMs: 31_000 },
    400,
    'LIMIT_ABOVE_CEILING',
  ],
  [
    'a query above its size limit',
    { engine: 'postgres', query: `SELECT '${'x'.repeat(2000)}'` },
    413,
    'QUERY_TOO_LARGE',
  ],
  [
    'DBML above its size limit',
    { engine: 'postgres', query: 'SELECT 1', dbml: `// ${'x'.repeat(3000)}` },
    413,
    'DBML_TOO_LARGE',
  ],
  [
    'a made-up session id',
    { engine: 'postgres', sessionId: 'AAAAAAAAAAAAAAAAAAAAAAAA', query: 'SELECT 1' },
    404,
    'SESSION_NOT_FOUND',
  ],
  [
    'a malformed session id',
    { engine: 'postgres', sessionId: '../../etc', query: 'SELECT 1' },
    400,
    'VALIDATION_FAILED',
  ],
  ['SQL Server with no server configured', { engine: 'mssql', query: 'SELECT 1' }, 503, 'ENGINE_UNAVAILABLE'],
  [
    'data for a table the schema lacks',
    { engine: 'postgres', query: 'SELECT 1', dbml: 'Table a { id int }', data: { b: [{ id: 1 }] } },
    400,
    'DATA_INVALID',
  ],
  [
    'data of the wrong type for its column',
    { engine: 'postgres', query: 'SELECT 1', dbml: 'Table a {\n  born date\n}', data: { a: [{ born: 'yesterday' }] } },
    400,
    'DATA_INVALID',
  ],
  [
    'data for a column the schema lacks',
    { engine: 'mysql', query: 'SELECT 1', dbml: 'Table a { id int }', data: { a: [{ nope: 1 }] } },
    400,
    'DATA_INVALID',
  ],
];

describe('refused submissions', () => {
  it.each(refusals)('refuses %s', async (_name, body, status, code) => {
    const answer = await post(fleet.url, body, asClient());
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ error: { code, message: expect.any(String) } });
  });

  it('refuses malformed DBML with the line and column of the problem', async () => {
    const answer = await post(
      fleet.url,
      { engine: 'postgres', query: 'SELECT 1', dbml: 'Table a {\n  id int [pk\n}' },
      asClient(),
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      error: { code: 'DBML_INVALID', line: expect.any(Number), column: expect.any(Number) },
    });
    expect((answer.body.error as unknown as { line: number }).line).toBeGreaterThanOrEqual(2);
  });

  it('refuses a body that is not JSON, and one above the body limit, without a 500', async () => {
    const notJson = await post(fleet.url, '{"engine": "postgres", ', asClient());
    expect(notJson).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    const huge = await post(
      fleet.url,
      { engine: 'postgres', query: 'SELECT 1', data: { t: [{ v: 'x'.repeat(20_000) }] } },
      asClient(),
    );
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'BODY_TOO_LARGE' } } });
  });

  it('answers a job id that does not exist, and an unknown route, with 404', async () => {
    expect(await get(fleet.url, '/api/jobs/00000000-0000-4000-8000-000000000000')).toMatchObject({
      status: 404,
      body: { error: { code: 'JOB_NOT_FOUND' } },
    });
    expect(await get(fleet.url, '/api/jobs/not-a-job')).toMatchObject({
      status: 404,
      body: { error: { code: 'JOB_NOT_FOUND' } },
    });
    expect(await get(fleet.url, '/api/nothing')).toMatchObject({
      status: 404,
      body: { error: { code: 'ROUTE_NOT_FOUND' } },
    });
  });

  it.each(['postgres', 'mysql'] as const)(
    'answers sample data the %s database refuses with 422 SCHEMA_REJECTED, not a retry',
    async (engine) => {
      // Well typed, so it passes the checks at submission; two rows share a primary key, which only the database sees.
      const answer = await post(
        fleet.url,
        { engine, query: 'SELECT 1', dbml: 'Table a {\n  id int [pk]\n}', data: { a: [{ id: 1 }, { id: 1 }] } },
        asClient(),
      );
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({
        error: { code: 'SCHEMA_REJECTED', message: expect.stringMatching(/duplicate/i) },
      });
    },
  );

  it('keeps the fleet-wide views behind the operations token when one is set', async () => {
    for (const path of ['/api/queue', '/metrics', '/proctor']) {
      expect((await fetch(`${fleet.url}${path}`)).status).toBe(401);
      expect((await fetch(`${fleet.url}${path}?token=wrong`)).status).toBe(401);
      expect((await fetch(`${fleet.url}${path}`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } })).status).toBe(
        200,
      );
    }
    expect((await fetch(`${fleet.url}/proctor?token=${OPS_TOKEN}`)).status).toBe(200);
    expect(await get(fleet.url, '/api/queue')).toMatchObject({ body: { error: { code: 'PROCTOR_TOKEN_REQUIRED' } } });
    expect(await get(fleet.url, '/metrics')).toMatchObject({ body: { error: { code: 'OPS_TOKEN_REQUIRED' } } });
    expect((await fetch(`${fleet.url}/api/health`)).status).toBe(200);
  });

  it('refuses a session of one engine used with another', async () => {
    const client = asClient();
    const made = await post(fleet.url, { engine: 'postgres', query: 'SELECT 1' }, client);
    const other = await post(fleet.url, { engine: 'mysql', sessionId: made.body.sessionId, query: 'SELECT 1' }, client);
    expect(other).toMatchObject({
      status: 409,
      body: { error: { code: 'SESSION_ENGINE_MISMATCH', sessionEngine: 'postgres' } },
    });
  });

  it('refuses a client a third live session', async () => {
    const client = asClient();
    for (let i = 0; i < 2; i++) {
      expect((await post(fleet.url, { engine: 'postgres', wait: false, query: 'SELECT 1' }, client)).status).toBe(202);
    }
    const third = await post(fleet.url, { engine: 'postgres', wait: false, query: 'SELECT 1' }, client);
    expect(third).toMatchObject({ status: 429, body: { error: { code: 'TOO_MANY_SESSIONS', limit: 2 } } });
  });

  it('limits one client’s request rate and says when to come back; other clients are unaffected', {
    timeout: 40_000,
  }, async () => {
    const client = asClient();
    // The limit is a per-minute window: start well inside one, so the 45 requests share it.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 50_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
    const answers = [];
    for (let i = 0; i < 45; i++) answers.push(await post(fleet.url, { engine: 'oracle', query: 'SELECT 1' }, client));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBe(5);
    expect(limited[0]?.body).toMatchObject({ error: { code: 'RATE_LIMITED', retryAfterS: expect.any(Number) } });
    expect((await post(fleet.url, { engine: 'oracle', query: 'SELECT 1' }, asClient())).status).toBe(400);
  });
});
