/**
 * a. The per-query path end to end on a real fleet: `SELECT 1` on an existing session, over
 * HTTP (POST /api/query, wait:true) and over Socket.IO (query:submit → query:result).
 */
import type { EngineName } from '@sqlfleet/core';
import type { Fleet } from '../../test/support/fleet.ts';
import { childrenRss } from '../rss.ts';
import { TINY_DBML } from '../schemas.ts';
import { lanes, sequential } from '../stats.ts';
import { Student } from '../student.ts';
import type { Row } from '../table.ts';

/**
 * 25 sessions, not 50: each live session holds its own pooled connection(s) to the server, and
 * this machine's PostgreSQL (max_connections 100) is shared with everyone's tests; at 50 it
 * ran out of slots ("remaining connection slots are reserved"). That ceiling is real: see the README.
 */
export const FLEET_QUERY = { sequential: { warmup: 20, iterations: 200 }, sessions: 25, perSession: 20 };

export type Transport = 'http' | 'socket';

export async function benchFleetQuery(
  fleet: Fleet,
  engines: readonly EngineName[],
  transport: Transport,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const engine of engines) {
    rows.push(await oneSession(fleet, engine, transport));
    rows.push(await manySessions(fleet, engine, transport));
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

async function manySessions(fleet: Fleet, engine: EngineName, transport: Transport): Promise<Row> {
  const { sessions, perSession } = FLEET_QUERY;
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
      note: 'closed loop, all sessions at once',
    };
  } finally {
    await Student.leaveAll(students);
  }
}
