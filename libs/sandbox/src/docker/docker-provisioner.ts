import type { QueryOutcome, SandboxTarget } from '@sqlfleet/contracts';
import { AppError, ENGINE_NAMES, type EngineName, type Logger, RepeatFolder } from '@sqlfleet/core';
import type { Engine, WatchdogLogin } from '@sqlfleet/engines';
import type Docker from 'dockerode';
import type { EnsureResult, Provisioner, Sandbox, SandboxRef, SandboxSpec } from '../provisioner.ts';
import { answersPing, asSandboxError } from '../provisioning.ts';
import { assertFleetId, isSandboxName, sandboxName } from '../server/sandbox-names.ts';
import { CircuitBreaker, type CircuitBreakerOptions, type CircuitSnapshot } from './circuit-breaker.ts';
import { adminPasswordOf, containerIp, newAdminPassword } from './container-admin.ts';
import { pooledRef, writeOwner } from './container-owner.ts';
import { untilStarted } from './container-probes.ts';
import { describeSandbox, type Seeded, seedSandbox } from './container-seeding.ts';
import { type ContainerLimits, containerSpec } from './container-spec.ts';
import { built, hasStopped, isBeingStarted, staleReason } from './container-state.ts';
import { ContainerStorage } from './container-storage.ts';
import { isEngineDown } from './docker-errors.ts';
import { SandboxDocker } from './sandbox-docker.ts';
import { bridgeName, LABELS, networkName, sandboxLabels, sandboxNetworkOf } from './sandbox-labels.ts';
import { type SandboxParts, sandboxParts } from './sandbox-parts.ts';
import { removeSandbox, sweepNetworks } from './sandbox-removal.ts';

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
  /** A sandbox's database past this many bytes takes no more writes (SANDBOX_STORAGE_MB). 0 or unset: no cap. */
  storageCapBytes?: number;
  /** Reads are measured once they have run this long in total since the last measure (SANDBOX_STORAGE_READ_MS). */
  storageReadBudgetMs?: number;
  logger: Logger;
}

/**
 * A container per session, on an internal network of its own (sessions cannot reach each other,
 * nor the outside), from the engine's sandbox image. Inside it, the engine's ServerAdmin makes a
 * database and a least-privilege login named after the sandbox, and the schema is applied as that
 * login: the handle never holds the admin password. Names derive from (fleet, session), so two
 * workers ensuring one session at once collide on the name and end up sharing one container. An exam's
 * containers are built ahead the same way, for its owner tag (`exam:<room>:…`, labelled `sqlfleet.exam`),
 * and a session that claims one keeps it under that name.
 */
export class DockerProvisioner implements Provisioner {
  readonly kind = 'docker' as const;
  private readonly breaker: CircuitBreaker;
  private readonly api: SandboxDocker;
  private readonly limits: ContainerLimits;
  private readonly readinessMs: number;
  private readonly storage: ContainerStorage;

  constructor(private readonly options: DockerProvisionerOptions) {
    assertFleetId(options.fleetId);
    this.breaker = new CircuitBreaker({ ...options.breaker, isFailure: isEngineDown });
    this.api = new SandboxDocker(options.docker, this.breaker);
    this.storage = new ContainerStorage({
      api: this.api,
      capBytes: options.storageCapBytes ?? 0,
      readBudgetMs: options.storageReadBudgetMs ?? 0,
      logger: options.logger,
    });
    this.limits = { memoryMb: 256, cpus: 0.5, pidsLimit: 256, ...options.limits };
    this.readinessMs = options.readinessMs ?? 60_000;
  }

  /**
   * The admin login of the container a target lives in (the container is named after the sandbox,
   * like its database), read back from the container as every worker does: the watchdog stops a
   * runaway through it, out of reach of the student's SQL.
   */
  async watchdogLoginFor(target: SandboxTarget): Promise<WatchdogLogin | undefined> {
    const parts = this.partsOrUndefined(target.engine);
    if (!parts || !isSandboxName(this.options.fleetId, target.database)) return undefined;
    const info = await this.api.inspectContainer(target.database);
    const password = info && adminPasswordOf(info, parts.image);
    if (!password) return undefined;
    return { user: parts.image.adminUser, password, database: parts.image.adminDatabase };
  }

  /** The container API's circuit, for /api/health. */
  health(): CircuitSnapshot {
    return this.breaker.snapshot();
  }

  async ensure(spec: SandboxSpec, known?: Sandbox): Promise<EnsureResult> {
    const parts = this.parts(spec.engine);
    // A claimed pre-warmed container keeps the name it was built under (the handle the session store has).
    const name =
      known?.provisioner === 'docker' && isSandboxName(this.options.fleetId, known.id)
        ? known.id
        : sandboxName(this.options.fleetId, spec.sessionId);
    const log = this.options.logger.child({ sessionId: spec.sessionId, engine: spec.engine, sandbox: name });
    const deadline = Date.now() + this.readinessMs;
    try {
      // A handle for this name means a sandbox existed: whatever is built now replaces it.
      let replaced = known?.id === name;
      let found = await this.api.inspectContainer(name);
      if (found && isBeingStarted(found, this.readinessMs)) found = await untilStarted(this.api, name, deadline);
      if (found) {
        let stale = staleReason(found, spec);
        if (!stale && hasStopped(found)) {
          const restarted = await this.restart(name, spec, parts, known, deadline, log);
          if (restarted)
            return { sandbox: this.noteSeeded(restarted), state: restarted.seeded ? built(replaced) : 'reused' };
          stale = 'it stopped and did not come back';
        } else if (!stale && !found.State.Running) {
          stale = `it is ${found.State.Status}`;
        }
        const adopted = stale ? undefined : await this.adopt(name, found, spec, parts, known, deadline, log);
        if (adopted) return { sandbox: this.noteSeeded(adopted), state: adopted.seeded ? built(replaced) : 'reused' };
        log.info({ why: stale ?? 'it has no address on its sandbox network' }, 'replacing sandbox container');
        await removeSandbox(this.api, name, parts.engine, found);
        replaced = true;
      }
      if (known) await parts.engine.release(known.target);
      const made = await this.create(name, spec, parts, deadline, log);
      return { sandbox: this.noteSeeded(made), state: made.seeded || replaced ? built(replaced) : 'reused' };
    } catch (error) {
      throw asSandboxError(error, 'The sandbox could not be prepared');
    }
  }

  async handOver(sandbox: Sandbox): Promise<void> {
    this.storage.fresh(sandbox);
    const parts = this.parts(sandbox.engine);
    try {
      const info = await this.api.inspectContainer(sandbox.id);
      const network = info && sandboxNetworkOf(info);
      if (!info?.State.Running || !network) throw new Error('the pre-warmed container is gone or stopped');
      // The worker that claims may not be the one that built it: join its network first (compose, k8s).
      await this.attach(network);
      // The orphan sweep reads the owner from here: the session now, no longer the exam its label names.
      const { sessionId, fingerprint, createdAt } = sandbox;
      const meta = { sessionId, fingerprint, createdAt, ready: true };
      await writeOwner(info, sandbox.id, sandbox.engine, parts, meta, this.options.logger);
    } catch (error) {
      throw asSandboxError(error, 'The pre-warmed sandbox could not be handed over');
    }
  }

  /** A container seeded just now holds nothing a student wrote: its reads need no storage measure yet. */
  private noteSeeded(made: { sandbox: Sandbox; seeded: boolean }): Sandbox {
    if (made.seeded) this.storage.fresh(made.sandbox);
    return made.sandbox;
  }

  enforceStorage(sandbox: Sandbox, outcome: QueryOutcome): Promise<QueryOutcome> {
    return this.storage.enforce(sandbox, this.parts(sandbox.engine), outcome);
  }

  async destroy(ref: SandboxRef): Promise<void> {
    if (!isSandboxName(this.options.fleetId, ref.id)) {
      this.options.logger.warn({ sandbox: ref.id }, 'not a sandbox of this fleet: nothing destroyed');
      return;
    }
    this.storage.forget(ref.id);
    try {
      const found = await this.api.inspectContainer(ref.id);
      await removeSandbox(this.api, ref.id, this.options.engines.get(ref.engine), found);
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
      if (!id || !isSandboxName(fleetId, id) || !isEngineName(engine)) continue;
      // A pre-warmed container's label names its exam even once a session claimed it: its server knows.
      if (c.Labels?.[LABELS.exam] !== undefined) {
        const info = await this.api.inspectContainer(id);
        if (info) refs.push(await pooledRef(info, id, engine, this.partsOrUndefined(engine), this.options.logger));
        continue;
      }
      const sessionId = c.Labels?.[LABELS.session];
      refs.push(sessionId ? { id, engine, sessionId } : { id, engine });
    }
    await sweepNetworks(this.api, fleetId, inUse, this.readinessMs, this.options.logger);
    return refs;
  }

  close(): Promise<void> {
    // The API client holds no connection between calls; engines' pools belong to their owner.
    this.storage.close();
    return Promise.resolve();
  }

  /**
   * The running container as the session's sandbox, seeding it if nobody has; undefined only when its
   * inspect shows it cannot be reached at all (no sandbox network or address). A login that does not
   * answer is never a reason to replace it: seeding resets the password or throws a retryable error.
   */
  /**
   * Starts a stopped sandbox again and adopts it: its engine recovers from its own files (durability
   * is off inside sandboxes, which a process dying does not touch; only a host crash could lose
   * writes). One that does not start or answer within the readiness time is replaced after all.
   */
  private async restart(
    name: string,
    spec: SandboxSpec,
    parts: SandboxParts,
    known: Sandbox | undefined,
    deadline: number,
    log: Logger,
  ): Promise<Seeded | undefined> {
    try {
      log.info('sandbox container had stopped: starting it again');
      await this.api.startContainer(name);
      const info = await untilStarted(this.api, name, deadline);
      if (!info) return undefined;
      return await this.adopt(name, info, spec, parts, known, deadline, log);
    } catch (error) {
      RepeatFolder.of(this.options.logger).warn(
        { sessionId: spec.sessionId, sandbox: name, err: error },
        'a stopped sandbox container did not come back',
      );
      return undefined;
    }
  }

  private async adopt(
    name: string,
    info: Docker.ContainerInspectInfo,
    spec: SandboxSpec,
    parts: SandboxParts,
    known: Sandbox | undefined,
    deadline: number,
    log: Logger,
  ): Promise<Seeded | undefined> {
    const network = sandboxNetworkOf(info);
    const host = network && containerIp(info, network);
    const adminPassword = adminPasswordOf(info, parts.image);
    if (!network || !host || !adminPassword) return undefined;
    await this.attach(network);
    const createdAt = Number(info.Config.Labels?.[LABELS.created]) || Date.now();
    // A claimed pre-warmed container's label names its exam: seeding records the session as its owner.
    const owned = info.Config.Labels?.[LABELS.session] === spec.sessionId;
    const same = owned && known?.id === name && known.fingerprint === spec.fingerprint && known.target.host === host;
    if (known && same && (await answersPing(parts.engine, known.target))) {
      return { sandbox: describeSandbox(name, spec, known.target, known.createdAt), seeded: false };
    }
    return seedSandbox({ api: this.api, name, host, adminPassword, spec, parts, createdAt, deadline, log });
  }

  private async create(
    name: string,
    spec: SandboxSpec,
    parts: SandboxParts,
    deadline: number,
    log: Logger,
  ): Promise<Seeded> {
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
      const info = await untilStarted(this.api, name, deadline, Date.now() + CONCURRENT_CREATE_GRACE_MS);
      const adopted = info && (await this.adopt(name, info, spec, parts, undefined, deadline, log));
      if (!adopted) throw new AppError('SANDBOX_FAILED', 'Another worker could not start this sandbox; try again');
      return adopted;
    }
    try {
      await this.api.startContainer(name);
      const info = await untilStarted(this.api, name, deadline);
      const host = info && containerIp(info, network);
      if (!host) throw new Error(`container has no address on ${network}`);
      return await seedSandbox({ api: this.api, name, host, adminPassword, spec, parts, createdAt, deadline, log });
    } catch (error) {
      // Per sandbox: a container engine out of room fails every one of an exam's fill.
      RepeatFolder.of(this.options.logger).warn(
        { sessionId: spec.sessionId, sandbox: name, err: error },
        'sandbox container failed to start or seed: removing it',
      );
      await removeSandbox(this.api, name, parts.engine).catch((e: unknown) =>
        log.error({ err: e }, 'could not remove a failed sandbox container'),
      );
      throw error;
    }
  }

  /** Joins this process's own container, if any, to a sandbox network so it can reach the sandbox. */
  private async attach(network: string): Promise<void> {
    if (this.options.attachContainer) await this.api.connectToNetwork(network, this.options.attachContainer);
  }

  private parts(name: EngineName): SandboxParts {
    const parts = this.partsOrUndefined(name);
    if (!parts) throw new AppError('ENGINE_UNAVAILABLE', `Engine ${name} is not available on this deployment`);
    return parts;
  }

  private partsOrUndefined(name: EngineName): SandboxParts | undefined {
    return sandboxParts(this.options.engines, this.options.images, name);
  }
}

/** How long a container another worker is creating may stay invisible before it counts as gone. */
const CONCURRENT_CREATE_GRACE_MS = 5_000;

const isEngineName = (value: unknown): value is EngineName => (ENGINE_NAMES as readonly unknown[]).includes(value);
