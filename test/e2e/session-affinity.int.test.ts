/**
 * Issue 9: a session's queries stay on the worker that ran it last (its home) while that worker lives,
 * so the session keeps its open connection (one server backend) instead of each worker opening its own;
 * when the home worker dies, the session is still answered by another worker, with its data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../support/client.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';

let fleet: Fleet;
beforeAll(async () => {
  // One worker first, so the sessions' home is known: the one the test later kills.
  fleet = await startFleet({ workers: 1, env: { WORKER_CONCURRENCY: '4', WORKER_LOCK_MS: '5000' } });
}, 90_000);
afterAll(async () => {
  await fleet?.stop();
}, 90_000);

const DBML = 'Table notes {\n  id int [pk]\n  body varchar\n}';

describe('session affinity', () => {
  it('keeps each session on one backend across two workers, and answers it from the other when its worker dies', {
    timeout: 120_000,
  }, async () => {
    const sessions: string[] = [];
    for (let s = 0; s < 4; s++) {
      const first = await post(fleet.url, {
        engine: 'postgres',
        dbml: DBML,
        query: `INSERT INTO notes VALUES (${s}, 'kept')`,
      });
      expect(first.body, JSON.stringify(first.body)).toMatchObject({ success: true });
      sessions.push(String(first.body.sessionId));
    }
    const home = fleet.workers[0];
    fleet.startWorker();
    // Let the second worker start taking drains from the shared queue.
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    for (const sessionId of sessions) {
      const pids = new Set<string>();
      for (let q = 0; q < 8; q++) {
        const answer = await post(fleet.url, {
          engine: 'postgres',
          sessionId,
          query: 'SELECT pg_backend_pid() AS pid',
        });
        expect(answer.body, JSON.stringify(answer.body)).toMatchObject({ success: true, sandbox: 'reused' });
        pids.add(String(answer.body.rows[0]?.pid));
      }
      // Any worker could run it; only its home keeps the connection it opened.
      expect([...pids]).toHaveLength(1);
    }

    home?.kill('SIGKILL');
    for (const sessionId of sessions) {
      const answer = await post(fleet.url, { engine: 'postgres', sessionId, query: 'SELECT body FROM notes' });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body).toMatchObject({ success: true, rows: [{ body: 'kept' }] });
    }
  });

  it('logs no warning over and over: repeats are folded', () => {
    expect(fleet.repeatedWarnings(), fleet.faults()).toEqual([]);
  });
});
