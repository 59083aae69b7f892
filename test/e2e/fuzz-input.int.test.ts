/**
 * Bad input, fuzzed (issue 10, item 9): random JSON shapes, wrong types, huge and deeply nested values,
 * `__proto__`/`constructor` keys, invalid UTF-8, wrong content types and truncated bodies against the
 * HTTP routes and the Socket.IO events of a real fleet. A bounded number of cases: every answer is
 * below 500 (or a 503 with a retryable code), carries a code from the registry, and the API is still
 * alive and answering afterwards.
 */
import { connect } from 'node:net';
import { ERROR_CODES, isErrorCode } from '@sqlfleet/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSocket, type StudentSocket } from '../support/client.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';

const OPS_TOKEN = 'fuzz-ops-token-0123456789';
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
let fleet: Fleet;
let port: number;

beforeAll(async () => {
  fleet = await startFleet({
    workers: 1,
    env: {
      OPS_TOKEN,
      MAX_QUERY_BYTES: '2048',
      MAX_DBML_BYTES: '4096',
      MAX_BODY_BYTES: '65536',
      MAX_SESSIONS_PER_CLIENT: '3',
      EXAM_MAX_STUDENTS: '2',
      QUERY_TIMEOUT_MS: '1000',
      WAIT_TIMEOUT_MS: '5000',
    },
  });
  port = Number(new URL(fleet.url).port);
}, 90_000);
afterAll(async () => {
  await fleet?.stop();
}, 90_000);

/** 503 is an honest answer only for what a retry may fix (an engine not offered here, a queue away). */
const RETRYABLE_503 = new Set(['ENGINE_UNAVAILABLE', 'QUEUE_UNAVAILABLE', 'QUEUE_FULL', 'SANDBOX_FAILED']);

/** What every answer must be: a success, or a refusal with a registered code; never our own fault. */
function expectStableAnswer(what: string, status: number, text: string): void {
  if (status < 400) return;
  let code: unknown;
  try {
    code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
  } catch {
    throw new Error(`${what}: ${status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  expect(isErrorCode(code), `${what}: ${status} ${text.slice(0, 300)}`).toBe(true);
  const ok = status < 500 || (status === 503 && RETRYABLE_503.has(String(code)));
  expect(ok, `${what}: ${status} ${text.slice(0, 300)}`).toBe(true);
  expect(ERROR_CODES[code as keyof typeof ERROR_CODES].status, `${what}: status of ${String(code)}`).toBe(status);
}

async function expectAlive(): Promise<void> {
  const response = await fetch(`${fleet.url}/api/health`);
  expect(response.status, fleet.logs().slice(-3000)).toBe(200);
}

/** One request over a raw socket, so bodies can be invalid UTF-8, lie about their length, or stop short. */
function rawRequest(
  head: string,
  body: Buffer,
  endEarly = false,
): Promise<{ status: number; text: string } | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 10_000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      if (!status) return resolve(undefined); // no answer: the request never completed
      // Only the first answer: bytes past a Content-Length that lied are parsed as a request of their own.
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? Number.POSITIVE_INFINITY);
      const start = text.indexOf('\r\n\r\n') + 4;
      resolve({ status: Number(status), text: text.slice(start, start + length) });
    });
    socket.on('connect', () => {
      socket.write(head);
      socket.write(body);
      if (endEarly) socket.end();
    });
    socket.once('error', reject);
  });
}

/** Keys a hostile client likes, mixed with the contract's own. */
const key = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'),
  fc.constantFrom('engine', 'query', 'sessionId', 'dbml', 'data', 'wait', 'timeoutMs', 'room', 'students'),
  fc.string({ maxLength: 8 }),
);
const anything = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.constantFrom(1e308, -0, 2 ** 53 + 1, Number.POSITIVE_INFINITY, Number.NaN),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ maxLength: 3000 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** Bodies close to a real submission, each field possibly of the wrong type. */
const submission = fc.record(
  {
    engine: fc.oneof(fc.constantFrom('postgres', 'mysql', 'mssql', 'POSTGRES', ''), anything),
    query: fc.oneof(fc.constantFrom('SELECT 1', ' ', "SELECT '\u0000'", 'x'.repeat(3000)), fc.string(), anything),
    sessionId: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('AAAAAAAAAAAAAAAAAAAAAAAA'), anything),
    wait: fc.oneof(fc.constant(false), anything),
    timeoutMs: fc.oneof(fc.integer({ min: -1, max: 40_000 }), anything),
    dbml: fc.oneof(fc.constantFrom('Table a { id int [pk] }', 'Table {', 'x'.repeat(5000)), anything),
    data: fc.oneof(fc.constant({ a: [{ id: 1 }] }), anything),
    room: fc.oneof(fc.string({ maxLength: 70 }), anything),
  },
  { requiredKeys: [] },
);

/** JSON text no encoder would write: prototype keys, deep nesting, bad escapes, numbers past range. */
const nastyJson = fc.oneof(
  fc.constant('{"__proto__": {"engine": "postgres", "query": "SELECT 1"}, "engine": "postgres"}'),
  fc.constant('{"constructor": {"prototype": {"wait": false}}, "engine": "postgres", "query": "SELECT 1"}'),
  fc.integer({ min: 1, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc
    .integer({ min: 1, max: 20_000 })
    .map((n) => `{"engine":"postgres","query":"SELECT 1","data":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`),
  fc.constant('{"engine": "postgres", "query": "\\ud800"}'),
  fc.constant('{"engine": "postgres", "query": "\\u00"}'),
  fc.constant('{"engine": "postgres", "timeoutMs": 1e999, "query": "SELECT 1"}'),
  fc.constant('{"engine": "postgres", "engine": 7, "query": "SELECT 1"}'),
  fc.constant(''),
  fc.constant('null'),
  fc.string({ maxLength: 200 }),
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  'application/',
  '',
);

/** Names socket.io-client refuses to emit. */
const RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);
const opsHeaders = { authorization: `Bearer ${OPS_TOKEN}`, 'content-type': 'application/json' };
let clients = 0;
const client = () => ({ 'x-sqlfleet-client': `fuzz-${++clients % 7}` });

describe('fuzzed HTTP input', () => {
  it('POST /api/query answers every JSON shape with a stable code', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(submission, anything), async (body) => {
        const response = await fetch(`${fleet.url}/api/query`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...client() },
          body: JSON.stringify(body),
        });
        expectStableAnswer(
          `POST /api/query ${JSON.stringify(body).slice(0, 200)}`,
          response.status,
          await response.text(),
        );
      }),
      { numRuns: RUNS * 2 },
    );
    await expectAlive();
  });

  it('POST /api/query answers raw, truncated and mislabelled bodies', { timeout: 300_000 }, async () => {
    const invalidUtf8 = fc
      .uint8Array({ maxLength: 64 })
      .map((bytes) =>
        Buffer.concat([
          Buffer.from('{"engine":"postgres","query":"'),
          Buffer.from([0xff, 0xfe, 0xc0]),
          Buffer.from(bytes),
          Buffer.from('"}'),
        ]),
      );
    const body = fc.oneof(
      nastyJson.map((t) => Buffer.from(t)),
      invalidUtf8,
    );
    await fc.assert(
      fc.asyncProperty(body, contentType, fc.constantFrom('exact', 'short', 'long'), async (bytes, type, length) => {
        // A body that stops short of its Content-Length (the client then hangs up), or one that says it is shorter.
        const declared =
          length === 'short' ? bytes.length + 10 : length === 'long' ? Math.max(0, bytes.length - 3) : bytes.length;
        const head =
          'POST /api/query HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Sqlfleet-Client: fuzz-raw\r\n' +
          `${type ? `Content-Type: ${type}\r\n` : ''}Content-Length: ${declared}\r\n\r\n`;
        const answer = await rawRequest(head, bytes, length === 'short');
        if (answer)
          expectStableAnswer(
            `raw ${type} ${length} ${bytes.toString('utf8').slice(0, 120)}`,
            answer.status,
            answer.text,
          );
      }),
      { numRuns: RUNS },
    );
    await expectAlive();
  });

  it('the exam, job, session and proctor routes answer random shapes and paths', { timeout: 300_000 }, async () => {
    const segment = fc.oneof(
      fc.string({ maxLength: 80 }).map(encodeURIComponent),
      fc.constantFrom('%', '%E0%A4%A', '..', '%2e%2e', '%00', 'a'.repeat(5000), '__proto__', 'constructor'),
    );
    const route = fc.oneof(
      fc.record({ method: fc.constant('POST'), path: fc.constant('/api/exams'), body: fc.oneof(submission, anything) }),
      fc.record({ method: fc.constantFrom('GET', 'DELETE'), path: segment.map((s) => `/api/exams/${s}`) }),
      fc.record({ method: fc.constant('GET'), path: segment.map((s) => `/api/jobs/${s}`) }),
      fc.record({ method: fc.constant('DELETE'), path: segment.map((s) => `/api/session/${s}`) }),
      fc.record({
        method: fc.constant('POST'),
        path: segment.map((s) => `/api/rooms/${s}/proctor-tokens`),
        body: anything,
      }),
      fc.record({ method: fc.constant('GET'), path: segment.map((s) => `/api/rooms/${s}/audit?format=csv`) }),
    );
    await fc.assert(
      fc.asyncProperty(route, fc.boolean(), async (r, withToken) => {
        const request = r as { method: string; path: string; body?: unknown };
        const response = await fetch(`${fleet.url}${request.path}`, {
          method: request.method,
          headers: withToken ? opsHeaders : { 'content-type': 'application/json' },
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
        });
        expectStableAnswer(`${request.method} ${request.path.slice(0, 120)}`, response.status, await response.text());
      }),
      { numRuns: RUNS },
    );
    await expectAlive();
  });
});

describe('fuzzed Socket.IO events', () => {
  let socket: StudentSocket;
  beforeAll(async () => {
    socket = await connectSocket(fleet.url);
  });
  afterAll(() => {
    socket?.disconnect();
  });

  it('acknowledges every query:submit with a job or a stable code, and survives events of any shape', {
    timeout: 300_000,
  }, async () => {
    const loose = socket as unknown as {
      timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
      emit(event: string, ...args: unknown[]): void;
    };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(submission, anything),
        anything,
        fc.string({ maxLength: 20 }),
        async (payload, other, event) => {
          const ack = (await loose.timeout(10_000).emitWithAck('query:submit', payload)) as Record<string, unknown>;
          const error = ack?.error as { code?: unknown } | undefined;
          if (error) {
            expect(isErrorCode(error.code), JSON.stringify(ack)).toBe(true);
            expect(error.code, JSON.stringify(ack)).not.toBe('INTERNAL');
          } else {
            expect(ack, JSON.stringify(ack)).toMatchObject({
              jobId: expect.any(String),
              sessionId: expect.any(String),
            });
          }
          const watched = (await loose.timeout(10_000).emitWithAck('session:watch', other)) as { ok?: unknown };
          expect(typeof watched?.ok).toBe('boolean');
          // No acknowledgement, unknown events, odd argument lists: nothing to answer, nothing to crash.
          loose.emit('query:submit', payload);
          loose.emit('session:watch', other, other);
          loose.emit(RESERVED.has(event) || !event ? `x${event}` : event, other);
        },
      ),
      { numRuns: RUNS },
    );
    expect(socket.connected).toBe(true);
    await expectAlive();
  });
});
