import type Docker from 'dockerode';
import type { CircuitBreaker } from './circuit-breaker.ts';
import { asEngineError, isNameConflict, isNotFound } from './docker-errors.ts';
import { fleetFilter } from './sandbox-labels.ts';

/**
 * The few container-engine calls the provisioner makes, each through the circuit breaker, with
 * "not found" and "name taken" turned into answers and an unreachable engine into CONTAINER_ENGINE_DOWN.
 */
export class SandboxDocker {
  constructor(
    private readonly docker: Docker,
    private readonly breaker: CircuitBreaker,
  ) {}

  inspectContainer(name: string): Promise<Docker.ContainerInspectInfo | undefined> {
    return this.call(() => this.docker.getContainer(name).inspect().catch(orUndefinedIfMissing));
  }

  /** Creates the network; false when one of that name exists already (a concurrent ensure made it). */
  createNetwork(options: Docker.NetworkCreateOptions): Promise<boolean> {
    return this.call(() =>
      this.docker.createNetwork(options).then(
        () => true,
        (error: unknown) => {
          if (isNameConflict(error)) return false;
          throw error;
        },
      ),
    );
  }

  /** Creates the container; false when the name is taken (another worker is making this sandbox). */
  createContainer(options: Docker.ContainerCreateOptions): Promise<boolean> {
    return this.call(() =>
      this.docker.createContainer(options).then(
        () => true,
        (error: unknown) => {
          if (isNameConflict(error)) return false;
          throw error;
        },
      ),
    );
  }

  startContainer(name: string): Promise<void> {
    return this.call(async () => {
      await this.docker.getContainer(name).start();
    });
  }

  /** Removes the container and its anonymous volumes. Idempotent. */
  removeContainer(name: string): Promise<void> {
    return this.call(() => this.docker.getContainer(name).remove({ force: true, v: true }).catch(ignoreMissing));
  }

  /** Joins a container (the worker's own, when it runs in one) to the network. Idempotent. */
  connectToNetwork(network: string, container: string): Promise<void> {
    return this.call(async () => {
      const info = await this.docker.getContainer(container).inspect();
      if (info.NetworkSettings.Networks?.[network]) return;
      await this.docker.getNetwork(network).connect({ Container: container });
    });
  }

  /** Removes the network, first detaching what is still on it (workers joined to it). Idempotent. */
  removeNetwork(name: string): Promise<void> {
    return this.call(async () => {
      const network = this.docker.getNetwork(name);
      const info = (await network.inspect().catch(orUndefinedIfMissing)) as Docker.NetworkInspectInfo | undefined;
      if (!info) return;
      for (const container of Object.keys(info.Containers ?? {})) {
        await network.disconnect({ Container: container, Force: true }).catch(ignoreMissing);
      }
      await network.remove().catch(ignoreMissing);
    });
  }

  /** The fleet's containers; `labels` narrows to those with these label values too. */
  listContainers(fleetId: string, labels: Record<string, string> = {}): Promise<Docker.ContainerInfo[]> {
    const filters = { label: [...fleetFilter(fleetId).label, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)] };
    return this.call(() => this.docker.listContainers({ all: true, filters }));
  }

  listNetworks(fleetId: string): Promise<Docker.NetworkInspectInfo[]> {
    return this.call(() => this.docker.listNetworks({ filters: fleetFilter(fleetId) }));
  }

  /** The last lines the container wrote (stdout and stderr), for an error message. */
  async logTail(name: string, lines = 20): Promise<string> {
    const raw = await this.call(() =>
      this.docker.getContainer(name).logs({ stdout: true, stderr: true, tail: lines, follow: false }),
    );
    return demux(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw))).trim();
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.breaker.run(fn);
    } catch (error) {
      throw asEngineError(error);
    }
  }
}

const orUndefinedIfMissing = (error: unknown): undefined => {
  if (isNotFound(error)) return undefined;
  throw error;
};

const ignoreMissing = (error: unknown): void => {
  if (!isNotFound(error)) throw error;
};

/**
 * Without a TTY the logs come as frames: 1 byte stream, 3 zero bytes, 4 bytes big-endian length,
 * then the payload. Anything that does not look like a frame is taken as plain text.
 */
function demux(raw: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length) {
    const stream = raw[at];
    if ((stream !== 0 && stream !== 1 && stream !== 2) || raw[at + 1] !== 0) return raw.toString('utf8');
    const size = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
