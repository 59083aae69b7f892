/**
 * a. The per-query path end to end on a real fleet: `SELECT 1` on an existing session, over
 * HTTP (POST /api/query, wait:true) and over Socket.IO (query:submit → query:result): one session
 * at a time (low load), an open loop at 500 q/s, and a closed loop of many warm sessions.
 */
import type { EngineName } from '@sqlfleet/core';
import type { Fleet } from '../../test/support/fleet.ts';
import { childrenRss } from '../rss.ts';
import { TINY_DBML } from '../schemas.ts';
import { lanes, openLoop, sequential } from '../stats.ts';
import { Student } from '../student.ts';
import type { Row } from '../table.ts';

/**
 * 40 sessions, not more: each live session holds pooled connection(s) to the server, and this
 * machine's PostgreSQL (max_connections 100) is shared with everyone's tests; at 50 it ran out of
 * slots ("remaining connection slots are reserved"). That ceiling is real: see the README.
 */
export const FLEET_QUERY = {
  sequential: { warmup: 20, iterations: 300 },
  /** Closed loop, many warm sessions: the fleet's sustained throughput. */
  sustained: { sessions: 40, perSession: 50 },
  /** Open loop at the issue's target rate. */
  open: { sessions: 40, rate: 500, seconds: 10 },
};

export type Transport = 'http' | 'socket';

export async function benchFleetQuery(
  fleet: Fleet,
  engines: readonly EngineName[],
  transport: Transport,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const engine of engines) {
    rows.push(await oneSession(fleet, engine, transport));
    rows.push(await openLoopAt(fleet, engine, transport));
    rows.push(await closedLoop(fleet, engine, transport, FLEET_QUERY.sustained));
  }
  return rows;
}

const ask = (student: Student, transport: Transport) => () =>
  transport === 'http' ? student.post('SELECT 1') : student.submit('SELECT 1');

async function oneSession(fleet: Fleet, engine: EngineName, transport: Transport): Promise<Row> {
  const student = new Student(fleet.url, engine);
  try {
    await (transport === 'http' ? student.post('SELECT 1', TINY_DBML) : student.submit('SELECT 1', TINY_DBML));
    const summary = await sequential(ask(student, transport), FLEET_QUERY.sequential);
    return { suite: transport, case: `${engine} SELECT 1, 1 session`, summary, rssMiB: await childrenRss() };
  } finally {
    await student.leave();
  }
}

async function closedLoop(
  fleet: Fleet,
  engine: EngineName,
  transport: Transport,
  { sessions, perSession }: { sessions: number; perSession: number },
): Promise<Row> {
  const students = Array.from({ length: sessions }, () => new Student(fleet.url, engine));
  try {
    // Sessions (and sandboxes, and sockets) exist before the clock starts.
    await Promise.all(
      students.map((s) => (transport === 'http' ? s.post('SELECT 1', TINY_DBML) : s.submit('SELECT 1', TINY_DBML))),
    );
    const summary = await lanes(
      students.map((s) => ask(s, transport)),
      perSession,
    );
    return {
      suite: transport,
      case: `${engine} SELECT 1, ${sessions} sessions × ${perSession}`,
      summary,
      rssMiB: await childrenRss(),
      note: 'closed loop, all sessions at once (sustained throughput)',
    };
  } finally {
    await Student.leaveAll(students);
  }
}

/** `rate` queries a second spread over warm sessions, sent on schedule whatever the answers. */
async function openLoopAt(fleet: Fleet, engine: EngineName, transport: Transport): Promise<Row> {
  const { sessions, rate, seconds } = FLEET_QUERY.open;
  const students = Array.from({ length: sessions }, () => new Student(fleet.url, engine));
  try {
    await Promise.all(
      students.map((s) => (transport === 'http' ? s.post('SELECT 1', TINY_DBML) : s.submit('SELECT 1', TINY_DBML))),
    );
    const asks = students.map((s) => ask(s, transport));
    const { summary, failed, firstError } = await openLoop((i) => asks[i % asks.length]?.() ?? Promise.resolve(), {
      rate,
      count: rate * seconds,
    });
    return {
      suite: transport,
      case: `${engine} SELECT 1, open loop ${rate} q/s over ${sessions} sessions`,
      summary,
      rssMiB: await childrenRss(),
      note: `latency from the scheduled send; ${failed} failed${firstError ? ` (${firstError})` : ''}`,
    };
  } finally {
    await Student.leaveAll(students);
  }
}
