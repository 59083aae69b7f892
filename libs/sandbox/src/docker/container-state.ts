import type Docker from 'dockerode';
import type { SandboxSpec } from '../provisioner.ts';
import { LABELS } from './sandbox-labels.ts';

/** Why a container cannot serve the spec as it is, or undefined when it can. */
export function staleReason(info: Docker.ContainerInspectInfo, spec: SandboxSpec): string | undefined {
  const labels = info.Config.Labels ?? {};
  if (labels[LABELS.engine] !== spec.engine) return 'it runs another engine';
  if (labels[LABELS.fingerprint] !== spec.fingerprint) return 'the schema changed';
  return undefined;
}

/**
 * Stopped after running: its engine died (killed, out of memory) or the container engine restarted.
 * The student's data is on the container's disk, so it is started again rather than replaced.
 */
export function hasStopped(info: Docker.ContainerInspectInfo): boolean {
  return !info.State.Running && ['exited', 'stopped'].includes(info.State.Status);
}

/** Created but not started, recently: another worker is between `create` and `start`. */
export function isBeingStarted(info: Docker.ContainerInspectInfo, readinessMs: number): boolean {
  const createdAt = Number(info.Config.Labels?.[LABELS.created]);
  return ['created', 'configured'].includes(info.State.Status) && Date.now() - createdAt < readinessMs;
}

/** The ensure state of a sandbox just built: made afresh, or in place of an earlier one. */
export const built = (replaced: boolean): 'created' | 'recreated' => (replaced ? 'recreated' : 'created');
