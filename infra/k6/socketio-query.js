// k6 load test over Socket.IO, spoken by hand on a raw WebSocket (k6 has no Socket.IO client):
//   k6 run -e BASE_URL=http://127.0.0.1:3000 -e VUS=200 -e ENGINE=postgres infra/k6/socketio-query.js
// NOT run in this repository's CI or on the development machine (no k6 binary there).
//
// Wire format (Engine.IO v4 carrying Socket.IO v5, text frames only):
//   server → `0{"sid":…,"pingInterval":…}`    Engine.IO open
//   client → `40`                              Socket.IO CONNECT to the main namespace "/"
//   server → `40{"sid":…}` | `44{"message":…}` connected | refused
//   server → `2`, client → `3`                 Engine.IO heartbeat: answer every ping or be dropped
//   client → `42<id>["query:submit",{…}]`      EVENT with an acknowledgement id
//   server → `43<id>[{"jobId":…,"sessionId":…}]` or `43<id>[{"error":{…}}]`  ACK
//   server → `42["query:result",{…}(,offset)]` EVENT; with connection-state recovery on, the
//            server appends an offset argument, so only the second element is read
//   server → `42["query:failed",{…}]`
import { check } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';
import ws from 'k6/ws';
import { EXAM_DBML, EXAM_QUERY } from './exam-schema.js';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:3000';
const ENGINE = __ENV.ENGINE || 'postgres';
const VUS = Number(__ENV.VUS || 100);
const THINK_MS = Number(__ENV.THINK_MS || 2000);
// One WebSocket connection lasts this long; the next iteration reconnects and keeps the session.
const CONNECTION_S = Number(__ENV.CONNECTION_S || 60);
const RESULT_TIMEOUT_MS = Number(__ENV.RESULT_TIMEOUT_MS || 30000);

const WS_URL = `${BASE_URL.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
const RUN = Date.now().toString(36);

const firstQuery = new Trend('sqlfleet_socket_first_query_ms', true);
const query = new Trend('sqlfleet_socket_query_ms', true);
const answered = new Rate('sqlfleet_socket_answered');
const failures = new Counter('sqlfleet_socket_failures');

export const options = {
  scenarios: {
    exam: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: __ENV.RAMP || '1m', target: VUS },
        { duration: __ENV.HOLD || '3m', target: VUS },
        { duration: '30s', target: 0 },
      ],
      gracefulRampDown: '70s', // let a connection finish its CONNECTION_S
    },
  },
  thresholds: {
    // submit → query:result on an existing session: 95% within 1 s.
    sqlfleet_socket_query_ms: ['p(95)<1000'],
    // First query of a new session (sandbox built and seeded): 95% within 5 s.
    sqlfleet_socket_first_query_ms: ['p(95)<5000'],
    // At least 99% of submitted queries come back with a successful result.
    sqlfleet_socket_answered: ['rate>0.99'],
    ws_connecting: ['p(95)<1000'],
  },
};

// Module scope is per VU: each VU keeps its session across reconnections.
let sessionId;

export default function () {
  const res = ws.connect(WS_URL, { headers: { 'x-sqlfleet-client': `k6-${RUN}-vu${__VU}` } }, (socket) => {
    let nextAckId = 0;
    let pending; // { ackId, jobId, first, startedAt }
    // A result may overtake its ACK (the worker can be that fast): keep it until the ACK names it.
    let early = {};

    const submit = () => {
      const first = sessionId === undefined;
      const payload = first
        ? { engine: ENGINE, dbml: EXAM_DBML, query: EXAM_QUERY }
        : { engine: ENGINE, sessionId, query: EXAM_QUERY };
      const ackId = nextAckId++;
      pending = { ackId, jobId: undefined, first, startedAt: Date.now() };
      socket.send(`42${ackId}${JSON.stringify(['query:submit', payload])}`);
      const mine = pending;
      socket.setTimeout(() => {
        if (pending === mine) finish(false, mine.jobId ? 'NO_RESULT' : 'NO_ACK');
      }, RESULT_TIMEOUT_MS);
    };

    const finish = (ok, code) => {
      const done = pending;
      pending = undefined;
      answered.add(ok);
      if (ok) (done.first ? firstQuery : query).add(Date.now() - done.startedAt);
      else failures.add(1, { code });
      // Think, then ask again; jittered so students do not move in lock-step.
      socket.setTimeout(submit, THINK_MS * (0.5 + Math.random()));
    };

    socket.on('message', (frame) => {
      if (frame === '2') return socket.send('3'); // heartbeat
      if (frame.startsWith('0')) return socket.send('40'); // Engine.IO open → Socket.IO connect
      if (frame.startsWith('44')) {
        failures.add(1, { code: 'CONNECT_REFUSED' });
        return socket.close();
      }
      if (frame.startsWith('40')) return submit(); // connected to "/"
      if (frame.startsWith('43')) return onAck(frame);
      if (frame.startsWith('42')) return onEvent(frame);
    });

    const onAck = (frame) => {
      const bracket = frame.indexOf('[');
      const ackId = Number(frame.slice(2, bracket));
      if (!pending || ackId !== pending.ackId) return;
      const [answer] = JSON.parse(frame.slice(bracket));
      if (answer.error) return finish(false, answer.error.code);
      sessionId = answer.sessionId;
      pending.jobId = answer.jobId;
      const overtaken = early[answer.jobId];
      early = {};
      if (overtaken) settle(overtaken.name, overtaken.body);
    };

    const onEvent = (frame) => {
      const [name, body] = JSON.parse(frame.slice(2));
      if (!pending || !body?.jobId) return;
      if (pending.jobId === undefined) early[body.jobId] = { name, body };
      else if (body.jobId === pending.jobId) settle(name, body);
    };

    const settle = (name, body) => {
      if (name === 'query:result') finish(body.success === true, body.success ? undefined : `SQL_${body.error?.code}`);
      else if (name === 'query:failed') finish(false, body.error?.code || 'FAILED');
    };

    socket.on('error', (e) => failures.add(1, { code: `WS_${e.error ? e.error() : 'ERROR'}` }));
    socket.setTimeout(() => socket.close(), CONNECTION_S * 1000);
  });
  check(res, { 'websocket upgraded (101)': (r) => r && r.status === 101 });
}
