import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useMysqlSandboxes } from '../test-support/mysql-sandboxes.ts';
import { ExamPrewarmer } from './exam-prewarmer.ts';

const { logger, sandboxes } = useMysqlSandboxes();

/** A mysql exam of `target` sandboxes, none built yet. */
async function examOf(target: number) {
  const now = Date.now();
  const exam = {
    id: randomUUID(),
    room: `fill-${randomBytes(3).toString('hex')}`,
    engine: 'mysql' as const,
    fingerprint: `f${randomBytes(4).toString('hex')}`,
    dbml: 'Table t { n int }',
    students: target,
    target,
    createdAt: now,
    expiresAt: now + 60_000,
  };
  expect(await sandboxes().exams.create(exam)).toBe(true);
  return exam;
}

const prewarmer = (saturated: () => boolean, giveWayMs?: number) =>
  new ExamPrewarmer({
    exams: sandboxes().exams,
    sessions: sandboxes().sessions,
    manager: sandboxes().manager,
    saturated,
    ...(giveWayMs === undefined ? {} : { giveWayMs }),
    logger,
  });

describe('ExamPrewarmer.fill', () => {
  it('builds nothing while the worker’s query slots are all taken, and the whole pool once they free', async () => {
    const { room, id } = await examOf(2);
    let saturated = true;
    const filling = prewarmer(() => saturated).fill(room, id);
    // Students' queries hold every slot: the pool waits for them (well within the 10 s a build gives way).
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await sandboxes().exams.status(room)).toMatchObject({ ready: 0, building: 0 });

    saturated = false;
    expect(await filling).toBe('done');
    expect(await sandboxes().exams.status(room)).toMatchObject({ ready: 2, building: 0 });
  });

  it('still fills the pool when the worker stays saturated, each build giving way for a bounded time', async () => {
    const { room, id } = await examOf(2);
    expect(await prewarmer(() => true, 100).fill(room, id)).toBe('done');
    expect(await sandboxes().exams.status(room)).toMatchObject({ ready: 2 });
  });

  it('stops while it gives way, leaving the rest of the fill to another job', async () => {
    const { room, id } = await examOf(2);
    const giving = prewarmer(() => true);
    const filling = giving.fill(room, id);
    await new Promise((resolve) => setTimeout(resolve, 100));
    giving.stop();
    expect(await filling).toBe('stopped');
    expect(await sandboxes().exams.status(room)).toMatchObject({ ready: 0, building: 0 });
  });
});
