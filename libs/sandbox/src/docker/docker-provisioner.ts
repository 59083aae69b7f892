import { setTimeout as sleep } from 'node:timers/promises';
import type { SandboxTarget } from '@sqlfleet/contracts';
import { AppError, ENGINE_NAMES, type EngineName, isAppError, type Logger } from '@sqlfleet/core';
import type { Engine } from '@sqlfleet/engines';
import type Docker from 'dockerode';
import type { EnsureResult, Provisioner, Sandbox, SandboxRef, SandboxSpec } from '../provisioner.ts';
import { answersPing, asSandboxError } from '../provisioning.ts';
import { assertFleetId, isSandboxName, sandboxName } from '../server/sandbox-names.ts';
import type { ServerAdmin } from '../server/server-admin.ts';
import { CircuitBreaker, type CircuitBreakerOptions, type CircuitSnapshot } from './circuit-breaker.ts';
import {
  adminPasswordOf,
  containerAdmin,
  containerIp,
  loginPassword,
  loginTarget,
  newAdminPassword,
} from './container-admin.ts';
import { type ContainerLimits, containerSpec, ENGINE_IMAGES, type EngineImage } from './container-spec.ts';
import { isEngineDown } from './docker-errors.ts';
import { answers, type Probe, waitFor } from './readiness.ts';
import { SandboxDocker } from './sandbox-docker.ts';
import {
  bridgeName,
  containerOfNetwork,
  LABELS,
  networkName,
  sandboxLabels,
  sandboxNetworkOf,
} from './sandbox-labels.ts';
import { WarmPool } from './warm-pool.ts';

export interface DockerProvisionerOptions {
  /** Starts every container and network name, and is the `sqlfleet.fleet` label. */
  fleetId: string;
  /** A client of the Docker Engine API (Docker or Podman); see `createDockerClient`. */
  docker: Docker;
  engines: ReadonlyMap<EngineName, Engine>;
  /** Image per engine; an engine without one (or without a known image contract) answers ENGINE_UNAVAILABLE. */
  images: Partial<Record<EngineName, string>>;
  /** Per-container caps. Defaults: 256 MB, 0.5 CPU, 256 processes. */
  limits?: Partial<ContainerLimits>;
  /** Time from "create" to "seeded" before the sandbox counts as failed. Default 60 s. */
  readinessMs?: number;
  /**
   * The container this process runs in, when it does (docker-compose, a worker in a container):
   * it is joined to each sandbox's network to reach the sandbox. Unset: the process runs on the
   * container engine's host and reaches sandbox bridges directly.
   */
  attachContainer?: string;
  /**
   * Started, unseeded containers kept per engine (0 = none): a new session claims one instead of
   * waiting for a container to start. Default 0.
   */
  warmPool?: number;
  /** Circuit over the container API. Defaults: opens after 5 failures in a row, for 10 s. */
  breaker?: Omit<CircuitBreakerOptions, 'isFailure'>;
  logger: Logger;
}

type Seeded = { sandbox: Sandbox; seeded: boolean };
type Prepared = { seeded: boolean; createdAt: number };

/**
 * A container per session, on an internal network of its own (sessions cannot reach each other,
 * nor the outside), from the engine's sandbox image. Inside it, the engine's ServerAdmin makes a
 * database and a least-privilege login named after the sandbox, and the schema is applied as that
 * login: the handle never holds the admin password. Names derive from (fleet, session), so two
 * workers ensuring one session at once collide on the name and end up sharing one container.
 */
export class DockerProvisioner implements Provisioner {
  readonly kind = 'docker' as const;
  private readonly breaker: CircuitBreaker;
  private readonly api: SandboxDocker;
  private readonly limits: ContainerLimits;
  private readonly readinessMs: number;
  private readonly pool: WarmPool;

  constructor(private readonly options: DockerProvisionerOptions) {
    assertFleetId(options.fleetId);
    this.breaker = new CircuitBreaker({ ...options.breaker, isFailure: isEngineDown });
    this.api = new SandboxDocker(options.docker, this.breaker);
    this.limits = { memoryMb: 256, cpus: 0.5, pidsLimit: 256, ...options.limits };
    this.readinessMs = options.readinessMs ?? 60_000;
    this.pool = new WarmPool({
      fleetId: options.fleetId,
      size: options.warmPool ?? 0,
      api: this.api,
      breaker: this.breaker,
      limits: this.limits,
      readinessMs: this.readinessMs,
      attach: (network) => this.attach(network),
      logger: options.logger,
    });
  }

  /**
   * Fills the warm pool of every engine this provisioner has an image for; resolves once each pool
   * is full (or its fill failed: failures are logged, not thrown). Nothing to do without a pool.
   */
  async fillWarmPool(): Promise<void> {
    await Promise.all(
      [...this.options.engines.keys()].map(async (engine) => {
        const parts = this.partsOrUndefined(engine);
        if (!parts) return;
        await this.pool
          .fill(engine, parts.image)
          .catch((error: unknown) => this.options.logger.warn({ err: error, engine }, 'warm pool not filled'));
      }),
    );
  }

  /** The container API's circuit, for /api/health. */
  health(): CircuitSnapshot {
    return this.breaker.snapshot();
  }

  async ensure(spec: SandboxSpec, known?: Sandbox): Promise<EnsureResult> {
    const parts = this.parts(spec.engine);
    const name = sandboxName(this.options.fleetId, spec.sessionId);
    const log = this.options.logger.child({ sessionId: spec.sessionId, engine: spec.engine, sandbox: name });
    const deadline = Date.now() + this.readinessMs;
    try {
      // A handle for this name means a sandbox existed: whatever is built now replaces it.
      let replaced = known?.id === name;
      let found = await this.api.inspectContainer(name);
      if (found && isBeingStarted(found, this.readinessMs)) found = await this.started(name, deadline);
      if (found) {
        const stale = staleReason(found, spec);
        const adopted = stale ? undefined : await this.adopt(name, found, spec, parts, known, deadline, log);
        if (adopted) return { sandbox: adopted.sandbox, state: adopted.seeded ? built(replaced) : 'reused' };
        log.info({ why: stale ?? 'it does not answer' }, 'replacing sandbox container');
        await this.removeSandbox(name, parts.engine, found);
        replaced = true;
      }
      if (known) await parts.engine.release(known.target);
      const made =
        (await this.claimWarm(name, spec, parts, deadline, log)) ??
        (await this.create(name, spec, parts, deadline, log));
      return { sandbox: made.sandbox, state: made.seeded || replaced ? built(replaced) : 'reused' };
    } catch (error) {
      throw asSandboxError(error, 'The sandbox could not be prepared');
    }
  }

  async destroy(ref: SandboxRef): Promise<void> {
    if (!isSandboxName(this.options.fleetId, ref.id)) {
      this.options.logger.warn({ sandbox: ref.id }, 'not a sandbox of this fleet: nothing destroyed');
      return;
    }
    try {
      const found = await this.api.inspectContainer(ref.id);
      await this.removeSandbox(ref.id, this.options.engines.get(ref.engine), found);
    } catch (error) {
      throw asSandboxError(error, 'The sandbox could not be removed');
    }
  }

  async list(): Promise<SandboxRef[]> {
    const { fleetId } = this.options;
    const refs: SandboxRef[] = [];
    const inUse = new Set<string>();
    for (const c of await this.api.listContainers(fleetId)) {
      for (const network of Object.keys(c.NetworkSettings?.Networks ?? {})) inUse.add(network);
      const id = c.Names?.[0]?.replace(/^\//, '');
      const engine = c.Labels?.[LABELS.engine];
      // Unclaimed warm containers belong to the pool, not to a session: they are no orphans.
      if (!id || !isSandboxName(fleetId, id) || !isEngineName(engine)) continue;
      if (c.Labels?.[LABELS.warm] === 'true') {
        const ref = await this.claimedRef(id, engine, c.State === 'running');
        if (ref) refs.push(ref);
        continue;
      }
      const sessionId = c.Labels?.[LABELS.session];
      refs.push(sessionId ? { id, engine, sessionId } : { id, engine });
    }
    await this.sweepNetworks(inUse);
    for (const engine of this.options.engines.keys()) {
      const parts = this.partsOrUndefined(engine);
      if (parts) this.pool.refill(engine, parts.image);
    }
    return refs;
  }

  close(): Promise<void> {
    // The API client holds no connection between calls; engines' pools belong to their owner. Warm
    // containers stay: the fleet's other workers claim them.
    return this.pool.close();
  }

  /**
   * A claimed warm container's ref, its session read from the metadata its server holds (its labels
   * predate the claim). A running one whose metadata cannot be read yet is being claimed: left out,
   * rather than handed to the reaper as sessionless. A stopped one is listed without a session.
   */
  private async claimedRef(id: string, engine: EngineName, running: boolean): Promise<SandboxRef | undefined> {
    const parts = this.partsOrUndefined(engine);
    const info = await this.api.inspectContainer(id);
    const network = info && sandboxNetworkOf(info);
    const host = info && network && containerIp(info, network);
    const adminPassword = info && parts && adminPasswordOf(info, parts.image);
    if (running && parts && host && adminPassword) {
      const admin = containerAdmin(engine, parts.image, host, adminPassword, this.options.logger);
      try {
        const meta = await admin.readMeta(id);
        if (meta) return { id, engine, sessionId: meta.sessionId };
      } catch (error) {
        this.options.logger.debug({ err: error, sandbox: id }, 'claimed container not answering yet');
      } finally {
        await admin.close();
      }
    }
    return running ? undefined : { id, engine };
  }

  /**
   * Claims a warm container for the sandbox `name` and seeds it; undefined when none could be claimed
   * or it failed to become the sandbox (removed then: the caller creates one cold). A refused schema
   * or an unreachable engine is thrown as it is, since a cold container would fare no better.
   */
  private async claimWarm(
    name: string,
    spec: SandboxSpec,
    parts: Parts,
    deadline: number,
    log: Logger,
  ): Promise<Seeded | undefined> {
    if (!this.pool.enabled) return undefined;
    const info = await this.pool.claim(spec.engine, name);
    if (!info) return undefined;
    this.pool.refill(spec.engine, parts.image);
    try {
      const network = sandboxNetworkOf(info);
      const host = network && containerIp(info, network);
      const adminPassword = adminPasswordOf(info, parts.image);
      if (!network || !host || !adminPassword) throw new Error('the claimed container has no address or password');
      await this.attach(network);
      const target = loginTarget(spec.engine, parts.image, host, name, loginPassword(adminPassword, name));
      const prepared = await this.prepare(name, adminPassword, target, spec, parts, Date.now(), deadline, log);
      log.debug({ container: info.Id }, 'warm container claimed');
      return { sandbox: this.describe(name, spec, target, prepared.createdAt), seeded: prepared.seeded };
    } catch (error) {
      log.warn({ err: error }, 'claimed warm container failed to seed: removing it');
      await this.removeSandbox(name, parts.engine, info).catch((e: unknown) =>
        log.error({ err: e }, 'could not remove a failed claimed container'),
      );
      if (isAppError(error)) throw error;
      return undefined;
    }
  }

  /** The running container as the session's sandbox, seeding it if nobody has; undefined when it is broken. */
  private async adopt(
    name: string,
    info: Docker.ContainerInspectInfo,
    spec: SandboxSpec,
    parts: Parts,
    known: Sandbox | undefined,
    deadline: number,
    log: Logger,
  ): Promise<Seeded | undefined> {
    const network = sandboxNetworkOf(info);
    const host = network && containerIp(info, network);
    const adminPassword = adminPasswordOf(info, parts.image);
    if (!network || !host || !adminPassword) return undefined;
    await this.attach(network);
    // The label of a claimed warm container dates from the pool; its metadata holds the claim's time.
    const createdAt = Number(info.Config.Labels?.[LABELS.created]) || Date.now();
    // The fingerprint check covers claimed warm containers, whose labels carry none.
    const same = known?.id === name && known.fingerprint === spec.fingerprint && known.target.host === host;
    if (known && same && (await answersPing(parts.engine, known.target))) {
      return { sandbox: this.describe(name, spec, known.target, known.createdAt), seeded: false };
    }
    const target = loginTarget(spec.engine, parts.image, host, name, loginPassword(adminPassword, name));
    const prepared = await this.prepare(name, adminPassword, target, spec, parts, createdAt, deadline, log);
    return { sandbox: this.describe(name, spec, target, prepared.createdAt), seeded: prepared.seeded };
  }

  private async create(name: string, spec: SandboxSpec, parts: Parts, deadline: number, log: Logger): Promise<Seeded> {
    const network = networkName(name);
    const createdAt = Date.now();
    const adminPassword = newAdminPassword();
    const labels = sandboxLabels({ fleetId: this.options.fleetId, ...spec, createdAt });
    // A network left by an earlier container of this session (or made by a concurrent ensure) is reused.
    await this.api.createNetwork({
      Name: network,
      Internal: true,
      Labels: labels,
      Options: { 'com.docker.network.bridge.name': bridgeName(network) },
    });
    await this.attach(network);
    const options = containerSpec({
      name,
      image: parts.image.image,
      contract: parts.image,
      network,
      labels,
      adminPassword,
      limits: this.limits,
    });
    if (!(await this.api.createContainer(options))) {
      log.info('another worker is making this sandbox: waiting for it');
      const info = await this.started(name, deadline);
      const adopted = info && (await this.adopt(name, info, spec, parts, undefined, deadline, log));
      if (!adopted) throw new AppError('SANDBOX_FAILED', 'Another worker could not start this sandbox; try again');
      return adopted;
    }
    try {
      await this.api.startContainer(name);
      const info = await this.started(name, deadline);
      const host = info && containerIp(info, network);
      if (!host) throw new Error(`container has no address on ${network}`);
      const target = loginTarget(spec.engine, parts.image, host, name, loginPassword(adminPassword, name));
      const prepared = await this.prepare(name, adminPassword, target, spec, parts, createdAt, deadline, log);
      return { sandbox: this.describe(name, spec, target, prepared.createdAt), seeded: prepared.seeded };
    } catch (error) {
      log.warn({ err: error }, 'sandbox container failed to start or seed: removing it');
      await this.removeSandbox(name, parts.engine).catch((e: unknown) =>
        log.error({ err: e }, 'could not remove a failed sandbox container'),
      );
      throw error;
    }
  }

  /**
   * Waits for the server, then, under the server's own lock on the sandbox name, seeds the sandbox
   * (seeded) or, when another worker already did, makes sure the login answers; with the sandbox's creation time.
   */
  private async prepare(
    name: string,
    adminPassword: string,
    target: SandboxTarget,
    spec: SandboxSpec,
    parts: Parts,
    createdAt: number,
    deadline: number,
    log: Logger,
  ): Promise<Prepared> {
    const admin = containerAdmin(spec.engine, parts.image, target.host, adminPassword, log);
    try {
      const logged = parts.image.readyLogLine;
      const probes = [
        this.running(name),
        ...(logged ? [this.logs(name, logged)] : []),
        answers('the server accepts its admin', () => admin.databaseExists(name)),
      ];
      await waitFor(probes, {
        timeoutMs: Math.max(0, deadline - Date.now()),
      });
      for (;;) {
        const locked = await admin.withLock(name, () => seed(admin, parts.engine, target, spec, createdAt));
        if (locked.held) return locked.value;
        if (Date.now() >= deadline) throw new Error('another worker is still seeding this sandbox');
        await sleep(50);
      }
    } finally {
      await admin.close();
    }
  }

  /** The container once it runs (and so has its address); undefined if it is gone. */
  private async started(name: string, deadline: number): Promise<Docker.ContainerInspectInfo | undefined> {
    await waitFor([this.running(name)], { timeoutMs: Math.max(0, deadline - Date.now()) });
    return this.api.inspectContainer(name);
  }

  /** Met once the container's recent output holds the line its server writes when ready. */
  private logs(name: string, line: RegExp): Probe {
    return { name: `the server logs ${line.source}`, check: async () => line.test(await this.api.logTail(name, 200)) };
  }

  /** Met when the container runs; fails at once, with its last log lines, when it has stopped. */
  private running(name: string): Probe {
    return {
      name: 'the container runs',
      check: async () => {
        const info = await this.api.inspectContainer(name);
        if (!info) throw new Error('the container was removed while starting');
        if (info.State.Running) return true;
        if (!['exited', 'dead', 'stopped'].includes(info.State.Status)) return false;
        const logs = await this.api.logTail(name).catch(() => '(no logs)');
        throw new Error(`the container stopped (exit code ${info.State.ExitCode}): ${logs}`);
      },
    };
  }

  /** Joins this process's own container, if any, to a sandbox network so it can reach the sandbox. */
  private async attach(network: string): Promise<void> {
    if (this.options.attachContainer) await this.api.connectToNetwork(network, this.options.attachContainer);
  }

  private async removeSandbox(name: string, engine?: Engine, info?: Docker.ContainerInspectInfo): Promise<void> {
    const image = info && ENGINE_IMAGES[info.Config.Labels?.[LABELS.engine] as EngineName];
    const network = (info && sandboxNetworkOf(info)) ?? networkName(name);
    const host = info && containerIp(info, network);
    if (engine && image && host) await engine.release(loginTarget(engine.name, image, host, name, ''));
    await this.api.removeContainer(name);
    await this.api.removeNetwork(network);
  }

  /**
   * Networks no container of the fleet is on (a crash between the two removals), once old enough not to
   * be mid-create. Judged by use, not name: a claimed warm container is on a network named after its warm name.
   */
  private async sweepNetworks(inUse: ReadonlySet<string>): Promise<void> {
    const cutoff = Date.now() - this.readinessMs;
    for (const network of await this.api.listNetworks(this.options.fleetId)) {
      const owner = containerOfNetwork(network.Name);
      // An unreadable creation date counts as young: never remove a network that may be mid-create.
      if (!owner || inUse.has(network.Name) || !(Date.parse(network.Created) <= cutoff)) continue;
      await this.api
        .removeNetwork(network.Name)
        .catch((e: unknown) => this.options.logger.warn({ err: e, network: network.Name }, 'orphan network kept'));
    }
  }

  private describe(name: string, spec: SandboxSpec, target: SandboxTarget, createdAt: number): Sandbox {
    const { sessionId, engine, fingerprint } = spec;
    return { id: name, provisioner: 'docker', sessionId, engine, fingerprint, target, createdAt };
  }

  private parts(name: EngineName): Parts {
    const parts = this.partsOrUndefined(name);
    if (!parts) throw new AppError('ENGINE_UNAVAILABLE', `Engine ${name} is not available on this deployment`);
    return parts;
  }

  private partsOrUndefined(name: EngineName): Parts | undefined {
    const engine = this.options.engines.get(name);
    const contract = ENGINE_IMAGES[name];
    const image = this.options.images[name];
    return engine && contract && image ? { engine, image: { ...contract, image } } : undefined;
  }
}

interface Parts {
  engine: Engine;
  image: EngineImage & { image: string };
}

/** Seeds the sandbox unless a previous holder of the lock did; called with the lock held. */
async function seed(
  admin: ServerAdmin,
  engine: Engine,
  target: SandboxTarget,
  spec: SandboxSpec,
  createdAt: number,
): Promise<Prepared> {
  const name = target.database;
  const meta = await admin.readMeta(name);
  if (meta?.ready && meta.fingerprint === spec.fingerprint) {
    // Seeded already; the student may have changed the login's password since.
    if (!(await answersPing(engine, target))) {
      await engine.release(target);
      await admin.setPassword(name, target.password);
    }
    return { seeded: false, createdAt: meta.createdAt };
  }
  await engine.release(target);
  // A seed a dead worker left half-done is started again from nothing.
  if (meta) await admin.dropSandbox(name, name);
  const record = { sessionId: spec.sessionId, fingerprint: spec.fingerprint, createdAt };
  await admin.writeMeta(name, { ...record, ready: false });
  await admin.createSandbox(name, name, target.password);
  await engine.applySchema(target, spec.batches);
  await admin.writeMeta(name, { ...record, ready: true });
  return { seeded: true, createdAt };
}

/** Why a container cannot serve the spec as it is, or undefined when it can. */
function staleReason(info: Docker.ContainerInspectInfo, spec: SandboxSpec): string | undefined {
  const labels = info.Config.Labels ?? {};
  if (labels[LABELS.engine] !== spec.engine) return 'it runs another engine';
  // A claimed warm container has no fingerprint label: its metadata is checked while seeding, and a
  // changed schema is rebuilt in place (the database dropped and made again).
  const claimed = labels[LABELS.warm] === 'true';
  if (!claimed && labels[LABELS.fingerprint] !== spec.fingerprint) return 'the schema changed';
  // A stopped sandbox is replaced, not restarted: it runs with durability off, so a crash may have broken it.
  if (!info.State.Running) return `it is ${info.State.Status}`;
  return undefined;
}

/** Created but not started, recently: another worker is between `create` and `start`. */
function isBeingStarted(info: Docker.ContainerInspectInfo, readinessMs: number): boolean {
  const createdAt = Number(info.Config.Labels?.[LABELS.created]);
  return ['created', 'configured'].includes(info.State.Status) && Date.now() - createdAt < readinessMs;
}

const built = (replaced: boolean): 'created' | 'recreated' => (replaced ? 'recreated' : 'created');

const isEngineName = (value: unknown): value is EngineName => (ENGINE_NAMES as readonly unknown[]).includes(value);
