/**
 * Containers pre-warmed for an exam, at the provisioner (the fleet-wide pool and claim are in
 * test/e2e/docker-exams.int.test.ts): who the orphan sweep is told owns one, before and after a claim.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SandboxTarget } from '@sqlfleet/contracts';
import { createLogger } from '@sqlfleet/core';
import { createEngines } from '@sqlfleet/engines';
import { afterAll, describe, expect, it } from 'vitest';
import { examOwner } from '../exams/exam-owner.ts';
import type { Sandbox, SandboxSpec } from '../provisioner.ts';
import { DockerProvisioner } from './docker-provisioner.ts';
import { docker, dockerAvailable, IMAGES, removeFleet } from './test-support.ts';

const available = await dockerAvailable();

const fleetId = `t${randomBytes(5).toString('hex')}`;
const logger = createLogger({ name: 'test', level: 'silent' });
const engines = createEngines(['postgres']);
const provisioner = new DockerProvisioner({ fleetId, docker, engines, images: IMAGES, logger });
const room = `room-${randomBytes(3).toString('hex')}`;
const ITEMS = ['CREATE TABLE items (id int PRIMARY KEY)', 'INSERT INTO items VALUES (1), (2)'];

afterAll(async () => {
  if (available) await removeFleet(fleetId);
  await Promise.all([...engines.values()].map((e) => e.close()));
}, 60_000);

const spec = (sessionId: string): SandboxSpec => ({
  sessionId,
  engine: 'postgres',
  fingerprint: 'items-v1',
  batches: ITEMS,
});

/** A container built for the exam, as a fill job builds it. */
async function prewarmed(): Promise<Sandbox> {
  const owner = examOwner(room, 'exam1', randomBytes(4).toString('hex'));
  const { sandbox, state } = await provisioner.ensure(spec(owner));
  expect(state).toBe('created');
  return sandbox;
}

const listed = async (id: string) => (await provisioner.list()).find((ref) => ref.id === id);
const containerId = async (name: string) => (await docker.getContainer(name).inspect()).Id;

async function count(target: SandboxTarget): Promise<number> {
  const out = await engines.get('postgres')?.execute(target, 'SELECT COUNT(*) FROM items', {
    timeoutMs: 5_000,
    maxRows: 10,
    maxBytes: 10_000,
  });
  if (out?.kind !== 'ok') throw new Error(JSON.stringify(out));
  return Number(out.results[0]?.rows[0]?.[0]);
}

/** Exit code of `psql -c sql` run in the container as its postgres user (peer authentication). */
async function psql(container: string, sql: string): Promise<number> {
  const run = await docker.getContainer(container).exec({
    Cmd: ['psql', '-qc', sql],
    User: 'postgres',
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await run.start({ hijack: true, stdin: false });
  await new Promise((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.resume();
  });
  for (;;) {
    const state = await run.inspect();
    if (!state.Running) return state.ExitCode ?? -1;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!available)('containers pre-warmed for an exam (real Docker/Podman API)', () => {
  it('are labelled with their room and listed as the exam’s until a claim hands one to its session', {
    timeout: 90_000,
  }, async () => {
    const pooled = await prewarmed();
    const info = await docker.getContainer(pooled.id).inspect();
    expect(info.Config.Labels).toMatchObject({ 'sqlfleet.exam': room, 'sqlfleet.fingerprint': 'items-v1' });
    expect(await listed(pooled.id)).toEqual({ id: pooled.id, engine: 'postgres', sessionId: pooled.sessionId });

    const sessionId = randomUUID();
    const claimed = { ...pooled, sessionId };
    await provisioner.handOver(claimed);
    expect(await listed(pooled.id)).toEqual({ id: pooled.id, engine: 'postgres', sessionId });
    expect(await count(claimed.target)).toBe(2);
    // A later full check of the session keeps the claimed container as it is.
    const again = await provisioner.ensure(spec(sessionId), claimed);
    expect(again.state).toBe('reused');
    expect(await containerId(again.sandbox.id)).toBe(info.Id);
    await provisioner.destroy({ id: pooled.id, engine: 'postgres', sessionId });
    expect(await listed(pooled.id)).toBeUndefined();
  });

  it('are handed over by the session’s ensure when the claim’s hand-over never ran', { timeout: 90_000 }, async () => {
    const pooled = await prewarmed();
    const before = await containerId(pooled.id);
    const sessionId = randomUUID();
    const { sandbox, state } = await provisioner.ensure(spec(sessionId), { ...pooled, sessionId });
    expect(state).toBe('reused');
    expect(await containerId(sandbox.id)).toBe(before);
    expect(await listed(pooled.id)).toEqual({ id: pooled.id, engine: 'postgres', sessionId });
    await provisioner.destroy({ id: pooled.id, engine: 'postgres', sessionId });
  });

  it('are listed with their owner unknown, not as their exam’s, while their server refuses the admin', {
    timeout: 90_000,
  }, async () => {
    const pooled = await prewarmed();
    expect(await psql(pooled.id, "ALTER ROLE postgres PASSWORD 'not-the-one-in-its-environment'")).toBe(0);
    expect(await listed(pooled.id)).toEqual({ id: pooled.id, engine: 'postgres', ownerUnknown: true });
    await provisioner.destroy({ id: pooled.id, engine: 'postgres', sessionId: pooled.sessionId });
  });
});
