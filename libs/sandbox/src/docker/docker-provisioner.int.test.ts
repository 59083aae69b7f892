import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { SandboxTarget } from '@sqlfleet/contracts';
import { createLogger, type EngineName, isAppError } from '@sqlfleet/core';
import { createEngines } from '@sqlfleet/engines';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import type { SandboxSpec } from '../provisioner.ts';
import { DockerProvisioner } from './docker-provisioner.ts';
import { bridgeName, networkName } from './sandbox-labels.ts';
import { docker, dockerAvailable, gone, IMAGES, removeFleet } from './test-support.ts';

const available = await dockerAvailable();

const fleetId = `t${randomBytes(5).toString('hex')}`;
const logger = createLogger({ name: 'test', level: 'silent' });
const engines = createEngines(['postgres', 'mysql']);
const limits = { timeoutMs: 5_000, maxRows: 100, maxBytes: 1_000_000 };
const worker = (readinessMs = 60_000): DockerProvisioner =>
  new DockerProvisioner({ fleetId, docker, engines, images: IMAGES, readinessMs, logger });
const provisioner = worker();

afterAll(async () => {
  if (available) await removeFleet(fleetId);
  await Promise.all([...engines.values()].map((e) => e.close()));
}, 60_000);

const ITEMS = [
  'CREATE TABLE items (id int PRIMARY KEY, name varchar(20))',
  "INSERT INTO items VALUES (1, 'apple'), (2, 'pear')",
];
const ORDERS = ['CREATE TABLE orders (id int PRIMARY KEY)', 'INSERT INTO orders VALUES (7)'];
const PORT: Record<string, number> = { postgres: 5432, mysql: 3306 };

const spec = (engine: EngineName, batches = ITEMS, fingerprint = 'items-v1'): SandboxSpec => ({
  sessionId: randomUUID(),
  engine,
  fingerprint,
  batches,
});

const itemCount = async (target: SandboxTarget): Promise<number> =>
  Number((await rowsOf(target, 'SELECT COUNT(*) FROM items'))[0]?.[0]);

async function rowsOf(target: SandboxTarget, sql: string): Promise<unknown[][]> {
  const out = await engines.get(target.engine)?.execute(target, sql, limits);
  if (out?.kind !== 'ok') throw new Error(`${out?.kind}: ${JSON.stringify(out)}`);
  return out.results.at(-1)?.rows ?? [];
}

const inspect = (name: string) => docker.getContainer(name).inspect();

const run = promisify(execFile);
const lines = async (cmd: string, args: string[]) => (await run(cmd, args)).stdout.split('\n').filter(Boolean);

/** What one sandbox network leaves on the host: firewall rules naming its bridge or subnet, the bridge, volumes. */
const hostTraces = (bridge: string, subnet: string) => async () => {
  const rules: string[] = [];
  for (const cmd of ['iptables', 'ip6tables']) {
    for (const table of ['filter', 'nat']) {
      rules.push(...(await lines(cmd, ['-t', table, '-S'])).filter((r) => r.includes(bridge) || r.includes(subnet)));
    }
  }
  const links = (await lines('ip', ['-o', 'link', 'show'])).map((l) => l.split(':')[1]?.trim() ?? '');
  const volumes = await docker.listVolumes({ filters: { label: [`sqlfleet.fleet=${fleetId}`] } });
  return { rules, links: links.filter((l) => l === bridge), volumes: volumes.Volumes ?? [] };
};

/** Runs a command in the container; resolves with its exit code. */
async function exec(container: string, cmd: string[]): Promise<number> {
  const run = await docker.getContainer(container).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
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

/** Exit code of a TCP connect from inside `container` to host:port (0 = connected), 3 s at most. */
const connectFrom = (container: string, host: string, port: number) =>
  exec(container, ['timeout', '3', 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`]);

describe.skipIf(!available)('docker provisioner against a real Docker/Podman API (run scripts/podman/setup.sh)', () => {
  describe.each(['postgres', 'mysql'] as const)('%s', (engine) => {
    it('creates a labelled, capped container whose seeded rows its least-privilege login reads; then reuses it', {
      timeout: 90_000,
    }, async () => {
      const s = spec(engine);
      const first = await provisioner.ensure(s);
      expect(first.state).toBe('created');
      const info = await inspect(first.sandbox.id);
      expect(info.Config.Labels).toMatchObject({
        'sqlfleet.fleet': fleetId,
        'sqlfleet.session': s.sessionId,
        'sqlfleet.engine': engine,
        'sqlfleet.fingerprint': 'items-v1',
      });
      expect(Number(info.Config.Labels['sqlfleet.created'])).toBeGreaterThan(0);
      expect(info.HostConfig).toMatchObject({ Memory: 256 * 1024 * 1024, PidsLimit: 256, Privileged: false });
      expect(info.HostConfig.SecurityOpt).toContain('no-new-privileges');
      expect(info.HostConfig.CapAdd ?? []).toEqual([]);
      // The image's exposed port shows with no binding: nothing is published on the host.
      expect(
        Object.values(info.HostConfig.PortBindings ?? {})
          .flat()
          .filter(Boolean),
      ).toEqual([]);
      expect(Object.keys(info.NetworkSettings.Networks)).toEqual([networkName(first.sandbox.id)]);
      const net = await docker.getNetwork(networkName(first.sandbox.id)).inspect();
      expect(net.Internal).toBe(true);

      const target = first.sandbox.target;
      expect(target.user).not.toMatch(/^(postgres|root)$/);
      expect(await rowsOf(target, 'SELECT name FROM items ORDER BY id')).toEqual([['apple'], ['pear']]);
      const superuser =
        engine === 'postgres'
          ? await rowsOf(target, 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user')
          : await rowsOf(
              target,
              "SELECT COUNT(*) = 0 FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE = 'SUPER'",
            );
      expect(superuser).toEqual([[engine === 'postgres' ? false : 1]]);

      const second = await provisioner.ensure(s, first.sandbox);
      expect(second.state).toBe('reused');
      expect((await inspect(second.sandbox.id)).Id).toBe(info.Id);
      // A worker without the handle (e.g. restarted) finds and reuses the same container too.
      const fresh = await worker().ensure(s);
      expect(fresh.state).toBe('reused');
      expect(await itemCount(fresh.sandbox.target)).toBe(2);
    });

    it('rebuilds the container when the fingerprint changes', { timeout: 90_000 }, async () => {
      const s = spec(engine);
      const first = await provisioner.ensure(s);
      const before = (await inspect(first.sandbox.id)).Id;
      const next = await provisioner.ensure({ ...s, batches: ORDERS, fingerprint: 'orders-v1' }, first.sandbox);
      expect(next.state).toBe('recreated');
      const after = await inspect(next.sandbox.id);
      expect(after.Id).not.toBe(before);
      expect(after.Config.Labels['sqlfleet.fingerprint']).toBe('orders-v1');
      expect(await rowsOf(next.sandbox.target, 'SELECT id FROM orders')).toEqual([[7]]);
    });

    it('destroy removes the container, its network and every trace on the host, and may be repeated', {
      timeout: 90_000,
    }, async () => {
      const s = spec(engine);
      const { sandbox } = await provisioner.ensure(s);
      expect((await provisioner.list()).map((r) => r.id)).toContain(sandbox.id);
      const network = await docker.getNetwork(networkName(sandbox.id)).inspect();
      const traces = hostTraces(bridgeName(network.Name), network.IPAM?.Config?.[0]?.Subnet ?? '');
      expect((await traces()).links).toEqual([bridgeName(network.Name)]); // the probe sees what it looks for
      await provisioner.destroy({ id: sandbox.id, engine, sessionId: s.sessionId });
      expect(await gone(inspect(sandbox.id))).toBe(true);
      expect(await gone(docker.getNetwork(networkName(sandbox.id)).inspect())).toBe(true);
      // Firewall rules (CNI left one per network ever made), the bridge, volumes: nothing stays.
      expect(await traces()).toEqual({ rules: [], links: [], volumes: [] });
      expect((await provisioner.list()).map((r) => r.id)).not.toContain(sandbox.id);
      await provisioner.destroy({ id: sandbox.id, engine, sessionId: s.sessionId });
    });

    it('starts a container whose engine was killed again, with the student’s data; replaces one removed', {
      timeout: 120_000,
    }, async () => {
      const s = spec(engine);
      const first = await provisioner.ensure(s);
      await rowsOf(first.sandbox.target, "INSERT INTO items VALUES (3, 'student')");
      // The engine dies (SIGKILL to the container's main process): the container stops, its disk stays.
      await docker.getContainer(first.sandbox.id).kill();
      expect((await inspect(first.sandbox.id)).State.Running).toBe(false);
      const afterKill = await provisioner.ensure(s, first.sandbox);
      expect(afterKill.state).toBe('reused');
      expect(afterKill.sandbox.id).toBe(first.sandbox.id);
      expect(await itemCount(afterKill.sandbox.target)).toBe(3);

      await docker.getContainer(afterKill.sandbox.id).remove({ force: true, v: true });
      const afterRemove = await provisioner.ensure(s, afterKill.sandbox);
      expect(afterRemove.state).toBe('recreated');
      expect(await itemCount(afterRemove.sandbox.target)).toBe(2);
    });

    it('gives two concurrent ensures of one session one container that both handles reach', {
      timeout: 90_000,
    }, async () => {
      const s = spec(engine);
      const [a, b] = await Promise.all([provisioner.ensure(s), worker().ensure(s)]);
      expect(a.sandbox.id).toBe(b.sandbox.id);
      const mine = (await provisioner.list()).filter((r) => r.sessionId === s.sessionId);
      expect(mine).toHaveLength(1);
      expect([a.state, b.state].sort()).toEqual(['created', 'reused']);
      expect(await itemCount(a.sandbox.target)).toBe(2);
      expect(await itemCount(b.sandbox.target)).toBe(2);
    });

    it('removes a container whose seed the database refuses, passing the refusal on', { timeout: 90_000 }, async () => {
      const s = spec(engine, ['CREATE TABLE broken (']);
      const error = await provisioner.ensure(s).catch((e: unknown) => e);
      expect(isAppError(error) && error.code).toBe('SCHEMA_REJECTED');
      expect((await provisioner.list()).filter((r) => r.sessionId === s.sessionId)).toEqual([]);
    });
  });

  it('list() removes a sandbox network left without its container, once older than a start-up', async () => {
    const network = networkName(`${fleetId}_${'0'.repeat(24)}`);
    await docker.createNetwork({ Name: network, Internal: true, Labels: { 'sqlfleet.fleet': fleetId } });
    await provisioner.list();
    expect(await gone(docker.getNetwork(network).inspect())).toBe(false);
    await worker(1).list();
    expect(await gone(docker.getNetwork(network).inspect())).toBe(true);
  });

  it('keeps a sandbox from reaching another sandbox and the host', { timeout: 120_000 }, async () => {
    const [a, b] = await Promise.all([provisioner.ensure(spec('postgres')), provisioner.ensure(spec('mysql'))]);
    const aInfo = await inspect(a.sandbox.id);
    const aNet = aInfo.NetworkSettings.Networks[networkName(a.sandbox.id)];
    // The probe can connect at all: to its own server.
    expect(await connectFrom(a.sandbox.id, a.sandbox.target.host, 5432)).toBe(0);
    expect(await connectFrom(a.sandbox.id, b.sandbox.target.host, PORT.mysql ?? 3306)).not.toBe(0);
    // The host, through the bridge's gateway address (PostgreSQL's port on the host's side).
    expect(await connectFrom(a.sandbox.id, aNet?.Gateway ?? '', 5432)).not.toBe(0);
    // No default route: nothing outside the sandbox's own subnet can be addressed at all.
    // (the same check answers 0 in a container on Podman's default, routed network).
    const defaultRoute = ['awk', '$2 == "00000000" { found = 1 } END { exit !found }', '/proc/net/route'];
    expect(await exec(a.sandbox.id, defaultRoute)).toBe(1);
    // The worker (the host) reaches both.
    expect(await itemCount(b.sandbox.target)).toBe(2);
  });
});

describe.skipIf(!available)('docker provisioner for a worker that runs in a container itself', () => {
  it('joins the worker container to the sandbox network, and still removes the network after', {
    timeout: 120_000,
  }, async () => {
    // A stand-in "worker container" (any image with bash): the provisioner attaches it to each sandbox network.
    const standIn = `${fleetId}-worker`;
    await docker.createContainer({
      name: standIn,
      Image: IMAGES.postgres,
      Env: ['SANDBOX_ADMIN_PASSWORD=unused'],
      Labels: { 'sqlfleet.fleet': fleetId },
    });
    await docker.getContainer(standIn).start();
    const inContainer = new DockerProvisioner({
      fleetId,
      docker,
      engines,
      images: IMAGES,
      attachContainer: standIn,
      logger,
    });
    const made = await inContainer.ensure(spec('mysql'));
    const network = networkName(made.sandbox.id);
    const worker = await inspect(standIn);
    expect(Object.keys(worker.NetworkSettings.Networks)).toContain(network);
    // From inside the worker container, the sandbox's database port answers.
    expect(await connectFrom(standIn, made.sandbox.target.host, 3306)).toBe(0);
    // A second ensure (another query) leaves the attachment as it is.
    expect((await inContainer.ensure({ ...spec('mysql'), sessionId: made.sandbox.sessionId })).state).toBe('reused');

    await inContainer.destroy({ id: made.sandbox.id, engine: 'mysql', sessionId: made.sandbox.sessionId });
    expect(await gone(docker.getNetwork(network).inspect())).toBe(true);
    expect(Object.keys((await inspect(standIn)).NetworkSettings.Networks)).not.toContain(network);
  });
});

describe('docker provisioner when the container API is unreachable', () => {
  it('answers CONTAINER_ENGINE_DOWN, then fails fast with the circuit open', async () => {
    const down = new DockerProvisioner({
      fleetId,
      docker: new Docker({ socketPath: `/tmp/no-such-${fleetId}.sock` }),
      engines,
      images: IMAGES,
      breaker: { failureThreshold: 2, coolDownMs: 60_000 },
      logger,
    });
    for (let i = 0; i < 2; i++) {
      await expect(down.ensure(spec('postgres'))).rejects.toMatchObject({ code: 'CONTAINER_ENGINE_DOWN' });
    }
    expect(down.health()).toMatchObject({ state: 'open', failures: 2 });
    await expect(down.list()).rejects.toMatchObject({ code: 'CONTAINER_ENGINE_DOWN', retryable: true });
  });
});
