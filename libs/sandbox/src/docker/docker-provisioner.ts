import { setTimeout as sleep } from 'node:timers/promises';
import type { SandboxTarget } from '@sqlfleet/contracts';
import { AppError, ENGINE_NAMES, type EngineName, type Logger } from '@sqlfleet/core';
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
import { bridgeName, containerOfNetwork, LABELS, networkName, sandboxLabels } from './sandbox-labels.ts';

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
  /** Circuit over the container API. Defaults: opens after 5 failures in a row, for 10 s. */
  breaker?: Omit<CircuitBreakerOptions, 'isFailure'>;
  logger: Logger;
}

type Seeded = { sandbox: Sandbox; seeded: boolean };

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

  constructor(private readonly options: DockerProvisionerOptions) {
    assertFleetId(options.fleetId);
    this.breaker = new CircuitBreaker({ ...options.breaker, isFailure: isEngineDown });
    this.api = new SandboxDocker(options.docker, this.breaker);
    this.limits = { memoryMb: 256, cpus: 0.5, pidsLimit: 256, ...options.limits };
    this.readinessMs = options.readinessMs ?? 60_000;
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
      const made = await this.create(name, spec, parts, deadline, log);
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
    for (const c of await this.api.listContainers(fleetId)) {
      const id = c.Names?.[0]?.replace(/^\//, '');
      const engine = c.Labels?.[LABELS.engine];
      if (!id || !isSandboxName(fleetId, id) || !isEngineName(engine)) continue;
      const sessionId = c.Labels?.[LABELS.session];
      refs.push(sessionId ? { id, engine, sessionId } : { id, engine });
    }
    await this.sweepNetworks(new Set(refs.map((r) => r.id)));
    return refs;
  }

  close(): Promise<void> {
    // The API client holds no connection between calls; engines' pools belong to their owner.
    return Promise.resolve();
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
    const host = containerIp(info, networkName(name));
    const adminPassword = adminPasswordOf(info, parts.image);
    if (!host || !adminPassword) return undefined;
    await this.attach(networkName(name));
    const createdAt = Number(info.Config.Labels?.[LABELS.created]) || Date.now();
    if (known?.id === name && known.target.host === host && (await answersPing(parts.engine, known.target))) {
      return { sandbox: this.describe(name, spec, known.target, createdAt), seeded: false };
    }
    const target = loginTarget(spec.engine, parts.image, host, name, loginPassword(adminPassword, name));
    const seeded = await this.prepare(name, adminPassword, target, spec, parts, createdAt, deadline, log);
    return { sandbox: this.describe(name, spec, target, createdAt), seeded };
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
      const seeded = await this.prepare(name, adminPassword, target, spec, parts, createdAt, deadline, log);
      return { sandbox: this.describe(name, spec, target, createdAt), seeded };
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
   * (true) or, when another worker already did, makes sure the login answers (false).
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
  ): Promise<boolean> {
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
    const host = info && containerIp(info, networkName(name));
    if (engine && image && host) await engine.release(loginTarget(engine.name, image, host, name, ''));
    await this.api.removeContainer(name);
    await this.api.removeNetwork(networkName(name));
  }

  /** Networks whose container is gone (a crash between the two removals), once old enough not to be mid-create. */
  private async sweepNetworks(containers: ReadonlySet<string>): Promise<void> {
    const cutoff = Date.now() - this.readinessMs;
    for (const network of await this.api.listNetworks(this.options.fleetId)) {
      const owner = containerOfNetwork(network.Name);
      // An unreadable creation date counts as young: never remove a network that may be mid-create.
      if (!owner || containers.has(owner) || !(Date.parse(network.Created) <= cutoff)) continue;
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
    const engine = this.options.engines.get(name);
    const contract = ENGINE_IMAGES[name];
    const image = this.options.images[name];
    if (!engine || !contract || !image) {
      throw new AppError('ENGINE_UNAVAILABLE', `Engine ${name} is not available on this deployment`);
    }
    return { engine, image: { ...contract, image } };
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
): Promise<boolean> {
  const name = target.database;
  const meta = await admin.readMeta(name);
  if (meta?.ready && meta.fingerprint === spec.fingerprint) {
    // Seeded already; the student may have changed the login's password since.
    if (!(await answersPing(engine, target))) {
      await engine.release(target);
      await admin.setPassword(name, target.password);
    }
    return false;
  }
  await engine.release(target);
  // A seed a dead worker left half-done is started again from nothing.
  if (meta) await admin.dropSandbox(name, name);
  const record = { sessionId: spec.sessionId, fingerprint: spec.fingerprint, createdAt };
  await admin.writeMeta(name, { ...record, ready: false });
  await admin.createSandbox(name, name, target.password);
  await engine.applySchema(target, spec.batches);
  await admin.writeMeta(name, { ...record, ready: true });
  return true;
}

/** Why a container cannot serve the spec as it is, or undefined when it can. */
function staleReason(info: Docker.ContainerInspectInfo, spec: SandboxSpec): string | undefined {
  const labels = info.Config.Labels ?? {};
  if (labels[LABELS.engine] !== spec.engine) return 'it runs another engine';
  if (labels[LABELS.fingerprint] !== spec.fingerprint) return 'the schema changed';
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
