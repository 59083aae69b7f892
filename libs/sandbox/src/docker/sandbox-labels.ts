import { createHash } from 'node:crypto';
import type { EngineName } from '@sqlfleet/core';
import type Docker from 'dockerode';
import { parseExamOwner } from '../exams/exam-owner.ts';

/** Labels on every container and network the docker provisioner makes. */
export const LABELS = {
  fleet: 'sqlfleet.fleet',
  session: 'sqlfleet.session',
  engine: 'sqlfleet.engine',
  fingerprint: 'sqlfleet.fingerprint',
  created: 'sqlfleet.created',
  /**
   * On a container pre-warmed for an exam: its room (the session label holds the exam's owner tag). It
   * stays after a session claims the container (labels cannot change); the claim is in its metadata.
   */
  exam: 'sqlfleet.exam',
} as const;

export interface SandboxLabelValues {
  fleetId: string;
  sessionId: string;
  engine: EngineName;
  fingerprint: string;
  createdAt: number;
}

export function sandboxLabels(v: SandboxLabelValues): Record<string, string> {
  const exam = parseExamOwner(v.sessionId);
  return {
    [LABELS.fleet]: v.fleetId,
    [LABELS.session]: v.sessionId,
    [LABELS.engine]: v.engine,
    [LABELS.fingerprint]: v.fingerprint,
    [LABELS.created]: String(v.createdAt),
    ...(exam ? { [LABELS.exam]: exam.room } : {}),
  };
}

/** The sandbox network a container is on, as the container engine reports it. */
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
