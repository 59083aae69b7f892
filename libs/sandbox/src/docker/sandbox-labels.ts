import { createHash } from 'node:crypto';
import type { EngineName } from '@sqlfleet/core';

/** Labels on every container and network the docker provisioner makes. */
export const LABELS = {
  fleet: 'sqlfleet.fleet',
  session: 'sqlfleet.session',
  engine: 'sqlfleet.engine',
  fingerprint: 'sqlfleet.fingerprint',
  created: 'sqlfleet.created',
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
