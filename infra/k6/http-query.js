// k6 load test of POST /api/query (wait:true): each VU is a student with its own session.
//   k6 run -e BASE_URL=http://127.0.0.1:3000 -e VUS=200 -e ENGINE=postgres infra/k6/http-query.js
// NOT run in this repository's CI or on the development machine (no k6 binary there).
import { check, sleep } from 'k6';
import http from 'k6/http';
import { Counter, Trend } from 'k6/metrics';
import { EXAM_DBML, EXAM_QUERY } from './exam-schema.js';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:3000';
const ENGINE = __ENV.ENGINE || 'postgres';
const VUS = Number(__ENV.VUS || 100);
const THINK_S = Number(__ENV.THINK_S || 2);

// First query of a session (builds the sandbox) and later ones are different animals.
const firstQuery = new Trend('sqlfleet_first_query_ms', true);
const query = new Trend('sqlfleet_query_ms', true);
const failures = new Counter('sqlfleet_failures');
// Runs started at different times use different client ids.
const RUN = Date.now().toString(36);

export const options = {
  scenarios: {
    exam: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: __ENV.RAMP || '1m', target: VUS }, // students arrive
        { duration: __ENV.HOLD || '3m', target: VUS }, // the exam
        { duration: '30s', target: 0 }, // they leave
      ],
      gracefulRampDown: '30s',
    },
  },
  thresholds: {
    // An answer to an exam-sized query within 1 s for 95% of queries on existing sessions.
    sqlfleet_query_ms: ['p(95)<1000'],
    // A new sandbox (create, schema, seed) within 5 s for 95% of students.
    sqlfleet_first_query_ms: ['p(95)<5000'],
    // Fewer than 1% of requests refused or failed (4xx/5xx, or success:false).
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
};

// Per-VU state: module scope is per VU in k6, so each VU keeps its own session.
let sessionId;

export default function () {
  const first = sessionId === undefined;
  const body = first
    ? { engine: ENGINE, dbml: EXAM_DBML, query: EXAM_QUERY, wait: true }
    : { engine: ENGINE, sessionId, query: EXAM_QUERY, wait: true };
  const res = http.post(`${BASE_URL}/api/query`, JSON.stringify(body), {
    headers: {
      'content-type': 'application/json',
      // One client id per VU: the sessions-per-client ceiling and the rate limit are per student.
      'x-sqlfleet-client': `k6-${RUN}-vu${__VU}`,
    },
    tags: { first: String(first) },
    timeout: '65s',
  });
  const result = parse(res);
  const ok = check(res, {
    'status 200': (r) => r.status === 200,
    'success true': () => result && result.success === true,
  });
  if (ok) {
    sessionId = result.sessionId;
    (first ? firstQuery : query).add(res.timings.duration);
  } else {
    failures.add(1, { code: result?.error?.code || String(res.status) });
  }
  sleep(THINK_S * (0.5 + Math.random()));
}

function parse(res) {
  try {
    return res.json();
  } catch {
    return undefined; // no answer (status 0) or not JSON
  }
}
