/**
 * Sandbox containers' engines killed mid-exam (issue 10 item 3), docker provisioner on Podman. A fleet
 * (1 API, 2 workers, a reaper) pre-warms an exam of STUDENTS seeded containers per engine; each student
 * claims one and writes WRITES rows, one query after another. After a third of the answers, the engine
 * of every third student's container is SIGKILLed (the container stops with it). Queries in flight come
 * back as CONNECTION_LOST or are retried; the provisioner starts a stopped container again instead of
 * replacing it, so no student's sandbox is rebuilt and every answered write is still there afterwards.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { container, containerApiAvailable, fleetContainers, startContainerFleet } from '../support/containers.ts';
import { type ExamWrites, judgeWrites, registerExam, type WriteAnswer, writeAll } from '../support/exam-writes.ts';
import type { Fleet } from '../support/fleet.ts';

/** `CHAOS_STUDENTS=100 npm run chaos` for an exam of that size (24 by default: a few minutes on two cores). */
const STUDENTS = Number(process.env.CHAOS_STUDENTS ?? 24);
const WRITES = 8;
const TOKEN = 'chaos-ops-token';

const available = await containerApiAvailable();
let fleet: Fleet;

describe.skipIf(!available)('sandbox containers killed mid-exam (run scripts/podman/setup.sh)', () => {
  beforeAll(async () => {
    fleet = await startContainerFleet({
      workers: 2,
      reaper: true,
      env: {
        OPS_TOKEN: TOKEN,
        EXAM_HEADROOM_PERCENT: '0',
        EXAM_PREWARM_JOBS: '2',
        EXAM_PREWARM_CONCURRENCY: '2',
      },
    });
  }, 180_000);
  afterAll(async () => {
    await fleet?.stop();
  }, 180_000);

  describe.each(['postgres', 'mysql'] as const)('%s', (engine) => {
    it('starts each killed container again: no sandbox rebuilt, every answered write kept', async () => {
      const exam: ExamWrites = {
        fleet,
        engine,
        room: `kill-${engine}-${Date.now()}`,
        token: TOKEN,
        students: STUDENTS,
        writes: WRITES,
      };
      const prewarmStarted = performance.now();
      await registerExam(exam, 480_000);
      const prewarmMs = performance.now() - prewarmStarted;
      const examContainers = async () =>
        (await fleetContainers(fleet.fleetId)).filter((c) => c.Labels['sqlfleet.exam'] === exam.room);
      const before = new Map((await examContainers()).map((c) => [c.Id, c.Created]));

      const answers: WriteAnswer[] = [];
      let finished = false;
      const kills = (async () => {
        while (answers.length < (STUDENTS * WRITES) / 3 && !finished) await sleep(10);
        const claimed = (await examContainers()).filter((_, i) => i % 3 === 0);
        // SIGKILL the engine (the container's first process): what an OOM kill or a crash does.
        await Promise.all(claimed.map((c) => container(c.Id).kill({ signal: 'SIGKILL' })));
        return claimed.length;
      })();
      const startedAt = performance.now();
      const { sessions, firstAnswers } = await writeAll(exam, answers).finally(() => {
        finished = true;
      });
      const killed = await kills;
      const allMs = performance.now() - startedAt;
      expect(firstAnswers.filter((a) => !a.success)).toEqual([]);
      const { kept, unsureApplied, byCode, rebuilt, damaged } = await judgeWrites(exam, sessions, answers);
      const after = await examContainers();
      const replaced = after.filter((c) => before.get(c.Id) !== c.Created).length + (before.size - after.length);

      console.log(
        `${engine} container kills: ${STUDENTS} pre-warmed in ${(prewarmMs / 1000).toFixed(0)} s; ${killed} engines ` +
          `SIGKILLed; ${answers.length} writes answered in ${(allMs / 1000).toFixed(1)} s: ${kept} ok, refused or ` +
          `failed by code ${JSON.stringify(byCode)} (${unsureApplied} of those applied all the same); sandboxes ` +
          `rebuilt: ${rebuilt.length}; containers replaced: ${replaced}; sessions missing the seed or an answered ` +
          `write: ${damaged.length}`,
      );
      if (damaged.length > 0) console.log(damaged.slice(0, 5).join('\n'));
      expect(killed).toBeGreaterThan(0);
      expect(rebuilt).toEqual([]);
      expect(replaced).toBe(0);
      expect(after.map((c) => c.State)).toEqual(after.map(() => 'running'));
      expect(damaged).toEqual([]);
      for (const key of Object.keys(byCode)) expect(key).toMatch(/^(200 CONNECTION_LOST|503 \w+)$/);
    });
  });

  it('logs no warning over and over: repeats are folded', () => {
    expect(fleet.repeatedWarnings(), fleet.faults()).toEqual([]);
  });
});
