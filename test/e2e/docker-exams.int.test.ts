/**
 * Exams on container sandboxes (issue 9 item 3, docker part), end to end: a real API, two workers and a
 * reaper on the docker provisioner (Podman here). The exam's seeded containers are built ahead, and each
 * student's first query claims one of its own through the same fleet-wide pool as the server provisioner's.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { del, post } from '../support/client.ts';
import { containerApiAvailable, fleetContainers, startContainerFleet } from '../support/containers.ts';
import type { Fleet } from '../support/fleet.ts';
import { SHOP_DBML } from '../support/schemas.ts';
import { until } from '../support/until.ts';

const available = await containerApiAvailable();
const TOKEN = 'docker-exam-ops-token';
const STUDENTS = 4;
// 25% headroom: one container more than students, left unclaimed for the deletion to remove.
const TARGET = STUDENTS + 1;
const SWEEP_MS = 1_000;

interface ExamAnswer {
  ready: number;
  claimed: number;
  missed: number;
  fingerprint: string;
  error?: { code: string };
}

describe.skipIf(!available)('an exam on container sandboxes (run scripts/podman/setup.sh)', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startContainerFleet({
      workers: 2,
      // The reaper sweeps all along: a live exam's containers, and claimed ones after it is gone, must stay.
      reaper: true,
      env: {
        OPS_TOKEN: TOKEN,
        EXAM_HEADROOM_PERCENT: '25',
        REAPER_INTERVAL_MS: String(SWEEP_MS),
      },
    });
  }, 90_000);
  afterAll(async () => {
    await fleet?.stop();
  }, 90_000);

  async function exams(method: 'POST' | 'GET' | 'DELETE', path: string, body?: unknown) {
    const response = await fetch(`${fleet.url}/api/exams${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as ExamAnswer };
  }

  /** The exam's containers, by the room label they were built with: id → state and start time. */
  const examContainers = async (room: string): Promise<Map<string, Docker.ContainerInfo>> =>
    new Map(
      (await fleetContainers(fleet.fleetId))
        .filter((c) => c.Labels['sqlfleet.exam'] === room)
        .map((c) => [c.Id, c] as const),
    );

  describe.each(['postgres', 'mysql'] as const)('%s', (engine) => {
    it('pre-warms seeded containers, each student claims one of their own, and deleting the exam removes the rest', {
      timeout: 240_000,
    }, async () => {
      const room = `dexam-${engine}-${Math.random().toString(36).slice(2, 8)}`;
      expect((await exams('POST', '', { room, engine, dbml: SHOP_DBML, students: STUDENTS })).status).toBe(201);
      const warm = await until(
        () => exams('GET', `/${room}`),
        (a) => a.body.ready >= TARGET,
        180_000,
      );
      expect(warm.body).toMatchObject({ ready: TARGET, claimed: 0, missed: 0 });

      // Built ahead: running, labelled with the exam's room and schema fingerprint.
      const before = await examContainers(room);
      expect(before.size).toBe(TARGET);
      for (const c of before.values()) {
        expect(c.State).toBe('running');
        expect(c.Labels).toMatchObject({ 'sqlfleet.engine': engine, 'sqlfleet.fingerprint': warm.body.fingerprint });
      }
      const fleetBefore = (await fleetContainers(fleet.fleetId)).map((c) => c.Id).sort();

      // Every student at once; each writes a row only they should ever see.
      const students = Array.from({ length: STUDENTS }, (_, i) => ({ 'x-sqlfleet-client': `${room}-student-${i}` }));
      const first = await Promise.all(
        students.map((headers, i) =>
          post(
            fleet.url,
            {
              engine,
              room,
              dbml: SHOP_DBML,
              query: `INSERT INTO customers (id, name) VALUES (100, 'student ${i}'); SELECT name FROM customers ORDER BY id`,
            },
            headers,
          ),
        ),
      );
      first.forEach((answer, i) => {
        expect(answer.status).toBe(200);
        expect(answer.body).toMatchObject({ success: true, sandbox: 'created' });
        // Seeded (Ada, Grace), with its own write and nobody else's.
        expect(answer.body.rows).toEqual([{ name: 'Ada' }, { name: 'Grace' }, { name: `student ${i}` }]);
      });
      const sessions = first.map((a) => String(a.body.sessionId));
      expect(new Set(sessions).size).toBe(STUDENTS);
      expect((await exams('GET', `/${room}`)).body).toMatchObject({ ready: 1, claimed: STUDENTS, missed: 0 });

      // Nothing was built or restarted for the students: the fleet holds exactly the pre-warmed containers.
      const fleetAfter = await fleetContainers(fleet.fleetId);
      expect(fleetAfter.map((c) => c.Id).sort()).toEqual(fleetBefore);
      for (const c of fleetAfter) expect(c.Created).toBe(before.get(c.Id)?.Created);

      // Deleting the exam removes the unclaimed container only.
      expect((await exams('DELETE', `/${room}`)).status).toBe(204);
      const left = await until(
        () => examContainers(room),
        (found) => found.size === STUDENTS,
      );
      expect(left.size).toBe(STUDENTS);
      for (const id of left.keys()) expect(before.has(id)).toBe(true);
      // The reaper's sweeps, with the exam gone, tell claimed containers from its leftovers.
      await sleep(3 * SWEEP_MS);
      expect([...(await examContainers(room)).keys()].sort()).toEqual([...left.keys()].sort());
      const again = await Promise.all(
        sessions.map((sessionId) =>
          post(fleet.url, { engine, sessionId, query: 'SELECT name FROM customers WHERE id = 100' }),
        ),
      );
      again.forEach((answer, i) => {
        expect(answer.body).toMatchObject({ success: true, sandbox: 'reused', rows: [{ name: `student ${i}` }] });
      });

      // Each student's session owns its container: ending the session removes it.
      for (const sessionId of sessions) expect((await del(fleet.url, `/api/session/${sessionId}`)).status).toBe(204);
      expect((await examContainers(room)).size).toBe(0);
    });
  });
});
