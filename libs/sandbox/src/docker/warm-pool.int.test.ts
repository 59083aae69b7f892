import { randomBytes, randomUUID } from 'node:crypto';
import type { SandboxTarget } from '@sqlfleet/contracts';
import { createLogger, type EngineName } from '@sqlfleet/core';
import { createEngines } from '@sqlfleet/engines';
import { afterAll, describe, expect, it } from 'vitest';
import type { SandboxSpec } from '../provisioner.ts';
import { sandboxName } from '../server/sandbox-names.ts';
import { ENGINE_IMAGES } from './container-spec.ts';
import { DockerProvisioner } from './docker-provisioner.ts';
import { docker, dockerAvailable, gone, IMAGES, removeFleet } from './test-support.ts';

const available = await dockerAvailable();

const fleetId = `w${randomBytes(5).toString('hex')}`;
const logger = createLogger({ name: 'test', level: 'silent' });
const engines = createEngines(['postgres', 'mysql']);
const limits = { timeoutMs: 5_000, maxRows: 100, maxBytes: 1_000_000 };
const pooled = (engine: EngineName): DockerProvisioner =>
  new DockerProvisioner({
    fleetId,
    docker,
    engines,
    images: { [engine]: IMAGES[engine as 'postgres'] },
    warmPool: 1,
    logger,
  });

afterAll(async () => {
  if (available) await removeFleet(fleetId);
  await Promise.all([...engines.values()].map((e) => e.close()));
}, 60_000);

const ITEMS = ['CREATE TABLE items (id int PRIMARY KEY)', 'INSERT INTO items VALUES (1), (2)'];
const ORDERS = ['CREATE TABLE orders (id int PRIMARY KEY)', 'INSERT INTO orders VALUES (7)'];
const spec = (engine: EngineName): SandboxSpec => ({
  sessionId: randomUUID(),
  engine,
  fingerprint: 'items-v1',
  batches: ITEMS,
});

async function rowsOf(target: SandboxTarget, sql: string): Promise<unknown[][]> {
  const out = await engines.get(target.engine)?.execute(target, sql, limits);
  if (out?.kind !== 'ok') throw new Error(`${out?.kind}: ${JSON.stringify(out)}`);
  return out.results.at(-1)?.rows ?? [];
}

/** The fleet's running, unclaimed warm containers of the engine: id by name. */
async function warmContainers(engine: EngineName): Promise<Map<string, string>> {
  const filters = { label: [`sqlfleet.fleet=${fleetId}`, 'sqlfleet.warm=true', `sqlfleet.engine=${engine}`] };
  const found = await docker.listContainers({ all: true, filters });
  return new Map(
    found
      .filter((c) => c.State === 'running' && c.Names[0]?.startsWith(`/${fleetId}_warm_`))
      .map((c) => [c.Names[0]?.slice(1) ?? '', c.Id]),
  );
}

describe.skipIf(!available)('docker provisioner with a warm pool (real Docker/Podman API)', () => {
  it('lets the reaper attribute a container claimed by a worker that died before seeding it', {
    timeout: 120_000,
  }, async () => {
    const provisioner = pooled('mysql');
    await provisioner.fillWarmPool();
    const s = spec('mysql');
    // What a worker does first when it claims, and then dies: the claim alone, no seeding.
    const pool = (provisioner as unknown as { pool: { claim: (...args: unknown[]) => Promise<unknown> } }).pool;
    const name = sandboxName(fleetId, s.sessionId);
    const claim = { sessionId: s.sessionId, fingerprint: s.fingerprint, createdAt: Date.now(), ready: false };
    expect(await pool.claim('mysql', name, { ...ENGINE_IMAGES.mysql, image: IMAGES.mysql }, claim)).toBeTruthy();
    const listed = (await provisioner.list()).find((ref) => ref.id === name);
    expect(listed).toEqual({ id: name, engine: 'mysql', sessionId: s.sessionId });
    await provisioner.destroy({ id: name, engine: 'mysql', sessionId: s.sessionId });
    await provisioner.close();
  });

  describe.each(['postgres', 'mysql'] as const)('%s', (engine) => {
    it('fills the pool, serves a new session from it, refills, reuses, rebuilds, lists and destroys', {
      timeout: 120_000,
    }, async () => {
      const provisioner = pooled(engine);
      await provisioner.fillWarmPool();
      const warm = await warmContainers(engine);
      expect(warm.size).toBe(1);
      const [warmId] = [...warm.values()];

      const s = spec(engine);
      const first = await provisioner.ensure(s);
      expect(first.state).toBe('created');
      const info = await docker.getContainer(first.sandbox.id).inspect();
      expect(info.Id).toBe(warmId);
      expect(await rowsOf(first.sandbox.target, 'SELECT id FROM items ORDER BY id')).toEqual([[1], [2]]);

      // The refill runs in the background; a fill now waits for it (or starts it).
      await provisioner.fillWarmPool();
      const refilled = await warmContainers(engine);
      expect(refilled.size).toBe(1);
      expect([...refilled.values()]).not.toContain(warmId);

      const again = await provisioner.ensure(s, first.sandbox);
      expect(again.state).toBe('reused');
      // A worker without the handle finds the claimed container too, through its metadata.
      const other = pooled(engine);
      const fresh = await other.ensure(s);
      expect(fresh.state).toBe('reused');
      expect((await docker.getContainer(fresh.sandbox.id).inspect()).Id).toBe(warmId);

      const listed = await provisioner.list();
      expect(listed).toContainEqual({ id: first.sandbox.id, engine, sessionId: s.sessionId });
      expect(listed.map((r) => r.id).filter((id) => id.includes('_warm_'))).toEqual([]);
      expect(await warmContainers(engine)).toEqual(refilled);

      const rebuilt = await provisioner.ensure({ ...s, batches: ORDERS, fingerprint: 'orders-v1' }, again.sandbox);
      expect(rebuilt.state).toBe('recreated');
      expect(await rowsOf(rebuilt.sandbox.target, 'SELECT id FROM orders')).toEqual([[7]]);
      expect(rebuilt.sandbox.fingerprint).toBe('orders-v1');
      const afterRebuild = await other.ensure({ ...s, batches: ORDERS, fingerprint: 'orders-v1' });
      expect(afterRebuild.state).toBe('reused');
      await other.close();

      const network = Object.keys(info.NetworkSettings.Networks)[0] ?? '';
      expect(network).toContain('_warm_');
      await provisioner.destroy({ id: first.sandbox.id, engine, sessionId: s.sessionId });
      expect(await gone(docker.getContainer(first.sandbox.id).inspect())).toBe(true);
      expect(await gone(docker.getNetwork(network).inspect())).toBe(true);
      expect((await provisioner.list()).map((r) => r.id)).not.toContain(first.sandbox.id);
      await provisioner.close();
    });

    it('gives two concurrent new sessions two containers when one is warm', { timeout: 120_000 }, async () => {
      const a = pooled(engine);
      await a.fillWarmPool();
      const [warmId] = [...(await warmContainers(engine)).values()];
      const [sa, sb] = [spec(engine), spec(engine)];
      const b = pooled(engine);
      const [ra, rb] = await Promise.all([a.ensure(sa), b.ensure(sb)]);
      expect([ra.state, rb.state]).toEqual(['created', 'created']);
      const ids = await Promise.all([ra, rb].map(async (r) => (await docker.getContainer(r.sandbox.id).inspect()).Id));
      expect(new Set(ids).size).toBe(2);
      expect(ids).toContain(warmId);
      expect(Number((await rowsOf(ra.sandbox.target, 'SELECT COUNT(*) FROM items'))[0]?.[0])).toBe(2);
      expect(Number((await rowsOf(rb.sandbox.target, 'SELECT COUNT(*) FROM items'))[0]?.[0])).toBe(2);
      const sessions = (await a.list()).map((r) => r.sessionId);
      expect(sessions).toEqual(expect.arrayContaining([sa.sessionId, sb.sessionId]));
      // Background refills finish before the fleet is removed.
      await Promise.all([a.close(), b.close()]);
    });
  });
});
