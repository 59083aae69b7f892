import type { EngineName, Logger } from '@sqlfleet/core';
import type Docker from 'dockerode';
import { newPassword } from '../server/sandbox-names.ts';
import type { SandboxMeta } from '../server/server-admin.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import { adminPasswordOf, containerAdmin, containerIp, newAdminPassword } from './container-admin.ts';
import { type ContainerLimits, containerSpec, type EngineImage } from './container-spec.ts';
import { answers, waitFor } from './readiness.ts';
import type { SandboxDocker } from './sandbox-docker.ts';
import {
  bridgeName,
  isWarmName,
  LABELS,
  networkName,
  sandboxNetworkOf,
  warmLabels,
  warmName,
} from './sandbox-labels.ts';

export interface WarmPoolOptions {
  fleetId: string;
  /** Ready containers kept per engine. */
  size: number;
  api: SandboxDocker;
  breaker: CircuitBreaker;
  limits: ContainerLimits;
  readinessMs: number;
  /** Joins this process's own container (when it runs in one) to a network, as for sandboxes. */
  attach(network: string): Promise<void>;
  logger: Logger;
}

export type EngineParts = EngineImage & { image: string };

/**
 * Started, unseeded containers, `size` per engine, each on an internal network of its own, named
 * `<fleet>_warm_<hex>` and labelled warm. A session claims one by renaming it to its sandbox name: the
 * rename is atomic, so of two workers claiming one container, one gets it and the other sees it gone.
 * The labels cannot change, so a claimed container keeps `sqlfleet.warm` and the session lives in the
 * metadata row its server holds.
 */
export class WarmPool {
  private readonly filling = new Map<EngineName, Promise<void>>();
  private closed = false;

  constructor(private readonly options: WarmPoolOptions) {}

  get enabled(): boolean {
    return this.options.size > 0 && !this.closed;
  }

  /**
   * Renames a running warm container of the engine to `name`; its inspect data, or undefined when none
   * could be claimed (pool empty, every candidate claimed by others, or `name` is taken already).
   * The claim (`meta`) is written inside the container before the rename: a worker that dies between
   * the two leaves a claimed container whose session the reaper can still read, never an invisible one.
   */
  async claim(
    engine: EngineName,
    name: string,
    parts: EngineParts,
    meta: SandboxMeta,
  ): Promise<Docker.ContainerInspectInfo | undefined> {
    if (!this.enabled) return undefined;
    const running = (await this.warm(engine)).filter((c) => c.State === 'running');
    // The oldest first: the likeliest to have finished starting.
    running.sort((a, b) => Number(a.Labels?.[LABELS.created]) - Number(b.Labels?.[LABELS.created]));
    for (const candidate of running) {
      const warmName = nameOf(candidate);
      if (!(await this.recordClaim(engine, warmName, parts, name, meta))) continue;
      // By its warm name, never its id: the id outlives the rename, so renaming by id could take a
      // container another worker claimed a moment ago.
      const outcome = await this.options.api.renameContainer(warmName, name);
      if (outcome === 'taken') return undefined;
      if (outcome === 'renamed') return this.options.api.inspectContainer(name);
    }
    return undefined;
  }

  /** Tops the engine's pool up in the background; never throws (failures are logged). */
  refill(engine: EngineName, parts: EngineParts): void {
    this.fill(engine, parts).catch((error: unknown) =>
      this.options.logger.warn({ err: error, engine }, 'warm pool not refilled'),
    );
  }

  /**
   * Removes the engine's warm containers that stopped, then starts new ones until `size` are alive,
   * and waits for them to answer. One fill per engine at a time in this process; several workers may
   * each top the pool up at once, so it can briefly hold more than `size`.
   */
  fill(engine: EngineName, parts: EngineParts): Promise<void> {
    if (!this.enabled || this.options.breaker.state() === 'open') return Promise.resolve();
    let running = this.filling.get(engine);
    if (!running) {
      running = this.fillOnce(engine, parts).finally(() => this.filling.delete(engine));
      this.filling.set(engine, running);
    }
    return running;
  }

  /** Stops refilling and waits for fills under way; the warm containers stay for the fleet's other workers. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.filling.values());
  }

  private async fillOnce(engine: EngineName, parts: EngineParts): Promise<void> {
    const alive: Docker.ContainerInfo[] = [];
    for (const c of await this.warm(engine)) {
      // One left created but never started (its maker died) counts as dead once older than a start-up.
      const starting =
        ['created', 'configured'].includes(c.State) && Date.now() - c.Created * 1000 < this.options.readinessMs;
      if (c.State === 'running' || starting) alive.push(c);
      else await this.remove(nameOf(c), Object.keys(c.NetworkSettings?.Networks ?? {}));
    }
    const missing = Math.max(0, this.options.size - alive.length);
    const made = await Promise.allSettled(Array.from({ length: missing }, () => this.start(engine, parts)));
    const failed = made.find((m): m is PromiseRejectedResult => m.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** The fleet's unclaimed warm containers of the engine (a claimed one has a sandbox name). */
  private async warm(engine: EngineName): Promise<Docker.ContainerInfo[]> {
    const all = await this.options.api.listContainers(this.options.fleetId, {
      [LABELS.warm]: 'true',
      [LABELS.engine]: engine,
    });
    return all.filter((c) => isWarmName(this.options.fleetId, nameOf(c)));
  }

  private async start(engine: EngineName, parts: EngineParts): Promise<void> {
    const { api, fleetId, logger } = this.options;
    const name = warmName(fleetId);
    const network = networkName(name);
    const labels = warmLabels({ fleetId, engine, createdAt: Date.now() });
    const adminPassword = newAdminPassword();
    let created = false;
    try {
      await api.createNetwork({
        Name: network,
        Internal: true,
        Labels: labels,
        Options: { 'com.docker.network.bridge.name': bridgeName(network) },
      });
      await this.options.attach(network);
      const spec = containerSpec({
        name,
        image: parts.image,
        contract: parts,
        network,
        labels,
        adminPassword,
        limits: this.options.limits,
      });
      created = await api.createContainer(spec);
      await api.startContainer(name);
      await this.untilAnswering(engine, name, parts, adminPassword);
      logger.debug({ engine, container: name }, 'warm container ready');
    } catch (error) {
      // Claimed while starting: it is a session's sandbox now, network included, and its claimer waits for it.
      if (created && !(await api.inspectContainer(name).catch(() => undefined))) return;
      await this.remove(name, [network]).catch((e: unknown) =>
        logger.error({ err: e, container: name }, 'could not remove a failed warm container'),
      );
      throw error;
    }
  }

  /** Waits for the server to take its admin, and has it make its metadata table now rather than at claim. */
  private async untilAnswering(engine: EngineName, name: string, parts: EngineParts, password: string): Promise<void> {
    const { api, readinessMs, logger } = this.options;
    const deadline = Date.now() + readinessMs;
    let info: Docker.ContainerInspectInfo | undefined;
    await waitFor(
      [
        {
          name: 'the warm container runs with an address',
          check: async () => {
            info = await api.inspectContainer(name);
            if (!info) throw new Error('the warm container was removed (claimed) while starting');
            if (['exited', 'dead', 'stopped'].includes(info.State.Status))
              throw new Error('the warm container stopped');
            const network = sandboxNetworkOf(info);
            return info.State.Running && !!network && !!containerIp(info, network);
          },
        },
      ],
      { timeoutMs: readinessMs },
    );
    const network = info && sandboxNetworkOf(info);
    const host = info && network && containerIp(info, network);
    if (!host) throw new Error('the warm container has no address');
    const admin = containerAdmin(engine, parts, host, password, logger);
    try {
      await waitFor([answers('the warm server accepts its admin', () => admin.readMeta(name))], {
        timeoutMs: Math.max(0, deadline - Date.now()),
      });
      // A fresh server's first CREATE DATABASE is slow (PostgreSQL: ~0.5 s of a ~0.6 s start): pay it
      // now with a throwaway sandbox, not when a student claims the container.
      await admin.createSandbox(name, name, newPassword());
      await admin.dropSandbox(name, name);
    } finally {
      await admin.close();
    }
  }

  /** Writes the claim's metadata row (keyed by the sandbox name) into a warm container; false if it does not answer. */
  private async recordClaim(
    engine: EngineName,
    warmName: string,
    parts: EngineParts,
    name: string,
    meta: SandboxMeta,
  ): Promise<boolean> {
    const info = await this.options.api.inspectContainer(warmName);
    const network = info && sandboxNetworkOf(info);
    const host = info && network && containerIp(info, network);
    const password = info && adminPasswordOf(info, parts);
    if (!host || !password) return false;
    const admin = containerAdmin(engine, parts, host, password, this.options.logger);
    try {
      await admin.writeMeta(name, meta);
      return true;
    } catch (error) {
      this.options.logger.debug({ err: error, container: warmName }, 'warm container not answering: not claimed');
      return false;
    } finally {
      await admin.close();
    }
  }

  private async remove(name: string, networks: readonly string[]): Promise<void> {
    await this.options.api.removeContainer(name);
    for (const network of networks) await this.options.api.removeNetwork(network);
  }
}

const nameOf = (c: Docker.ContainerInfo): string => c.Names[0]?.replace(/^\//, '') ?? '';
