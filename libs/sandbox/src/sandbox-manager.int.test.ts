import { randomBytes, randomUUID } from 'node:crypto';
import type { SandboxTarget } from '@sqlfleet/contracts';
import type { EngineName } from '@sqlfleet/core';
import { FleetKeys } from '@sqlfleet/queue';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import type { Provisioner } from './provisioner.ts';
import { RedisLocks } from './redis-lock.ts';
import { SandboxManager } from './sandbox-manager.ts';
import type { Sandboxes } from './sandboxes.ts';
import { useMysqlSandboxes } from './test-support/mysql-sandboxes.ts';

/** mysql2 connection options of a target (it warns about the `engine` field). */
const loginOf = ({ host, port, user, password, database }: SandboxTarget) => ({ host, port, user, password, database });

const { config, logger, redis, sandboxes } = useMysqlSandboxes();

/** A MariaDB session as the API stores it, without a sandbox yet. */
async function newSession(id: string, fingerprint: string, room?: string): Promise<void> {
  const now = Date.now();
  await sandboxes().sessions.create({
    id,
    engine: 'mysql',
    fingerprint,
    ...(room ? { room } : {}),
    clientId: 'c',
    createdAt: now,
    lastUsedAt: now,
  });
}

describe('SandboxManager.ensure', () => {
  // Issue 10: a reused sandbox whose login got a new password kept the old handle, so every later
  // query reset the password again, and anything reading the stored handle could not log in.
  it('saves the new handle of a reused sandbox whose password was reset', async () => {
    const { sessions, manager } = sandboxes();
    const sessionId = randomUUID();
    const fingerprint = `f${randomBytes(4).toString('hex')}`;
    await sessions.saveSchema(fingerprint, { engine: 'mysql', dbml: 'Table t { n int }' });
    await newSession(sessionId, fingerprint);

    const first = await manager.ensure(sessionId, fingerprint);
    expect(first.state).toBe('created');
    // What a student's `SET PASSWORD` does to the login.
    const student = await mysql.createConnection(loginOf(first.sandbox.target));
    await student.query("SET PASSWORD = PASSWORD('changed-by-student')");
    await student.end();

    const second = await manager.ensure(sessionId, fingerprint);
    expect(second.state).toBe('reused');
    expect(second.sandbox.target.password).not.toBe(first.sandbox.target.password);
    const stored = await sessions.get(sessionId);
    expect(stored?.sandbox?.target.password).toBe(second.sandbox.target.password);

    // The stored handle logs in: the next ensure reuses it as it is, without another reset.
    const third = await manager.ensure(sessionId, fingerprint);
    expect(third).toMatchObject({ state: 'reused', sandbox: { target: { password: second.sandbox.target.password } } });
  });
});

describe('SandboxManager builds from a stored schema', () => {
  it('uses the batches the API compiled with it, without compiling the DBML again', async () => {
    const { sessions, manager } = sandboxes();
    const sessionId = randomUUID();
    const fingerprint = `f${randomBytes(4).toString('hex')}`;
    // Batches that the DBML would not give: the sandbox shows which of the two it was built from.
    await sessions.saveSchema(fingerprint, {
      engine: 'mysql',
      dbml: 'Table from_dbml { n int }',
      batches: ['CREATE TABLE from_batches (n int)', 'INSERT INTO from_batches VALUES (7)'],
    });
    await newSession(sessionId, fingerprint);

    const { sandbox } = await manager.ensure(sessionId, fingerprint);
    const student = await mysql.createConnection(loginOf(sandbox.target));
    const [tables] = await student.query('SHOW TABLES');
    const [rows] = await student.query('SELECT n FROM from_batches');
    await student.end();
    expect((tables as Record<string, string>[]).map((row) => Object.values(row)[0])).toEqual(['from_batches']);
    expect(rows).toEqual([{ n: 7 }]);
  });
});

/** A mysql exam with two pre-warmed sandboxes in its pool, and one student of its room without a sandbox yet. */
async function examOfTwo() {
  const { sessions, manager, exams } = sandboxes();
  const room = `sweep-${randomBytes(3).toString('hex')}`;
  const fingerprint = `f${randomBytes(4).toString('hex')}`;
  const dbml = 'Table t { n int }';
  await sessions.saveSchema(fingerprint, { engine: 'mysql', dbml });
  const now = Date.now();
  const exam = {
    id: randomUUID(),
    room,
    engine: 'mysql' as const,
    fingerprint,
    dbml,
    students: 2,
    target: 2,
    createdAt: now,
    expiresAt: now + 60_000,
  };
  expect(await exams.create(exam)).toBe(true);
  const pooled: string[] = [];
  for (let i = 0; i < 2; i++) {
    const { sandbox } = await manager.prewarm(exam);
    pooled.push(sandbox.id);
    expect(await exams.pushReady(room, exam.id, sandbox)).toBe(true);
  }
  const sessionId = randomUUID();
  await newSession(sessionId, fingerprint, room);
  return { room, fingerprint, pooled, sessionId };
}

/** A second manager over the same store, as the reaper's, with the parts a test swaps in. */
function sweeperWith(parts: { provisioners?: ReadonlyMap<EngineName, Provisioner>; exams?: Sandboxes['exams'] }) {
  return new SandboxManager({
    store: sandboxes().sessions,
    locks: new RedisLocks(redis, new FleetKeys(config.fleetId)),
    provisioners: parts.provisioners ?? sandboxes().runtime.provisioners,
    compiler: sandboxes().compiler,
    exams: parts.exams ?? sandboxes().exams,
    logger,
  });
}

describe('SandboxManager.sweepOrphans', () => {
  // CI, under load: a sweep's listing read a pre-warmed sandbox's owner (the exam) before a student claimed
  // it, and judged it after the exam was deleted: three students' sandboxes were removed as leftovers.
  it('keeps a sandbox a student claimed after the listing read its owner, once the exam is gone', async () => {
    const { manager, exams } = sandboxes();
    const provisioner = sandboxes().runtime.provisioners.get('mysql') as Provisioner;
    const { room, fingerprint, pooled, sessionId } = await examOfTwo();

    // The sweep's listing, taken now: both sandboxes still name the exam as their owner.
    const listing = await provisioner.list();
    expect(
      listing
        .filter((ref) => ref.sessionId?.includes(room))
        .map((ref) => ref.id)
        .sort(),
    ).toEqual([...pooled].sort());

    const claimed = await manager.ensure(sessionId, fingerprint, room);
    expect(claimed).toMatchObject({ claimed: true, state: 'created' });
    await exams.remove(room);

    // Judged on that earlier listing (a wrapper hands it back), after the claim and the exam's deletion.
    const stale: Provisioner = Object.assign(Object.create(provisioner) as Provisioner, { list: async () => listing });
    const { sandboxes: removed } = await sweeperWith({ provisioners: new Map([['mysql', stale]]) }).sweepOrphans();
    expect(removed.map((ref) => ref.id)).toEqual(pooled.filter((id) => id !== claimed.sandbox.id));

    // The student's sandbox is still there and still theirs.
    const next = await manager.ensure(sessionId, fingerprint);
    expect(next).toMatchObject({ state: 'reused', sandbox: { id: claimed.sandbox.id } });
  });

  // CI, under load, again: the sweep read the sessions' sandboxes before a student claimed one, and saw the exam
  // gone only after its deletion: the student's sandbox was removed (29 of 30 left in test/e2e/exams).
  it('keeps a sandbox claimed after the sweep read the sessions, when it then finds the exam gone', async () => {
    const { manager, exams } = sandboxes();
    const { room, fingerprint, pooled, sessionId } = await examOfTwo();

    // The claim and the exam's deletion land while the sweep asks whether the exam is live: after its reads.
    let claimedId: string | undefined;
    const racing = Object.assign(Object.create(exams) as typeof exams, {
      isLive: async (r: string, id: string) => {
        if (claimedId === undefined) {
          claimedId = (await manager.ensure(sessionId, fingerprint, room)).sandbox.id;
          await exams.remove(room);
        }
        return exams.isLive(r, id);
      },
    });
    const { sandboxes: removed } = await sweeperWith({ exams: racing }).sweepOrphans();
    expect(pooled).toContain(claimedId);
    expect(removed.map((ref) => ref.id)).toEqual(pooled.filter((id) => id !== claimedId));
    const next = await manager.ensure(sessionId, fingerprint);
    expect(next).toMatchObject({ state: 'reused', sandbox: { id: claimedId } });
  });
});
