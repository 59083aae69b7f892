import type { EngineName, Logger } from '@sqlfleet/core';
import type { Engine } from '@sqlfleet/engines';
import type Docker from 'dockerode';
import { containerIp, loginTarget } from './container-admin.ts';
import { ENGINE_IMAGES } from './container-spec.ts';
import type { SandboxDocker } from './sandbox-docker.ts';
import { containerOfNetwork, LABELS, networkName, sandboxNetworkOf } from './sandbox-labels.ts';

/** Removes the sandbox's container and network, first releasing the engine's connections to it when it can. */
export async function removeSandbox(
  api: SandboxDocker,
  name: string,
  engine?: Engine,
  info?: Docker.ContainerInspectInfo,
): Promise<void> {
  const image = info && ENGINE_IMAGES[info.Config.Labels?.[LABELS.engine] as EngineName];
  const network = (info && sandboxNetworkOf(info)) ?? networkName(name);
  const host = info && containerIp(info, network);
  if (engine && image && host) await engine.release(loginTarget(engine.name, image, host, name, ''));
  await api.removeContainer(name);
  await api.removeNetwork(network);
}

/**
 * Removes the fleet's networks no container is on (a crash between the two removals), once older than
 * `readinessMs` so as not to be mid-create; a network that cannot be removed is logged and kept.
 */
export async function sweepNetworks(
  api: SandboxDocker,
  fleetId: string,
  inUse: ReadonlySet<string>,
  readinessMs: number,
  logger: Logger,
): Promise<void> {
  const cutoff = Date.now() - readinessMs;
  for (const network of await api.listNetworks(fleetId)) {
    const owner = containerOfNetwork(network.Name);
    // An unreadable creation date counts as young: never remove a network that may be mid-create.
    if (!owner || inUse.has(network.Name) || !(Date.parse(network.Created) <= cutoff)) continue;
    await api
      .removeNetwork(network.Name)
      .catch((e: unknown) => logger.warn({ err: e, network: network.Name }, 'orphan network kept'));
  }
}
