import { createHash, randomBytes } from 'node:crypto';
import type { EngineName } from '@sqlfleet/core';
import type Docker from 'dockerode';

/** Labels on every container and network the docker provisioner makes. */
export const LABELS = {
  fleet: 'sqlfleet.fleet',
  session: 'sqlfleet.session',
  engine: 'sqlfleet.engine',
  fingerprint: 'sqlfleet.fingerprint',
  created: 'sqlfleet.created',
  /** On a warm-pool container: made before any session, so it has no session or fingerprint label. */
  warm: 'sqlfleet.warm',
} as const;

export interface SandboxLabelValues {
  fleetId: string;
  sessionId: string;
  engine: EngineName;
  fingerprint: string;
  createdAt: number;
}

export function sandboxLabels(v: SandboxLabelValues): Record<string, string> {
  return {
    [LABELS.fleet]: v.fleetId,
    [LABELS.session]: v.sessionId,
    [LABELS.engine]: v.engine,
    [LABELS.fingerprint]: v.fingerprint,
    [LABELS.created]: String(v.createdAt),
  };
}

/** Labels of a warm-pool container; they stay the same after a session claims it (labels cannot change). */
export function warmLabels(v: { fleetId: string; engine: EngineName; createdAt: number }): Record<string, string> {
  return {
    [LABELS.fleet]: v.fleetId,
    [LABELS.engine]: v.engine,
    [LABELS.warm]: 'true',
    [LABELS.created]: String(v.createdAt),
  };
}

/** A warm container's name until a session claims it by renaming it to the session's sandbox name. */
export const warmName = (fleetId: string): string => `${fleetId}_warm_${randomBytes(6).toString('hex')}`;

export const isWarmName = (fleetId: string, name: string): boolean =>
  name.startsWith(`${fleetId}_warm_`) && /^[0-9a-f]{12}$/.test(name.slice(`${fleetId}_warm_`.length));

/**
 * The sandbox network a container is on. A claimed warm container keeps the network named after its
 * warm name, so the network is read from the container rather than derived from its current name.
 */
export const sandboxNetworkOf = (info: Docker.ContainerInspectInfo): string | undefined =>
  Object.keys(info.NetworkSettings.Networks ?? {})[0];

/** Label filter for the API: Podman needs `key=value` (a bare key matches nothing there). */
export const fleetFilter = (fleetId: string): { label: string[] } => ({ label: [`${LABELS.fleet}=${fleetId}`] });

/** The sandbox's own internal network (containers and networks have separate name spaces). */
export const networkName = (containerName: string): string => `${containerName}-net`;

/** The inverse of `networkName`, undefined for a network that is not a sandbox's. */
export const containerOfNetwork = (network: string): string | undefined =>
  network.endsWith('-net') ? network.slice(0, -'-net'.length) : undefined;

/**
 * The Linux bridge behind the network: at most 15 characters, and `sqlsb` first, because the host
 * firewall rule that keeps sandboxes from opening connections to the host matches `-i sqlsb+`.
 */
export const bridgeName = (network: string): string =>
  `sqlsb${createHash('sha256').update(network).digest('hex').slice(0, 10)}`;
