import type Docker from 'dockerode';
import type { SandboxSpec } from '../provisioner.ts';
import { LABELS } from './sandbox-labels.ts';

/** Why a container cannot serve the spec as it is, or undefined when it can. */
export function staleReason(info: Docker.ContainerInspectInfo, spec: SandboxSpec): string | undefined {
  const labels = info.Config.Labels ?? {};
  if (labels[LABELS.engine] !== spec.engine) return 'it runs another engine';
  if (labels[LABELS.fingerprint] !== spec.fingerprint) return 'the schema changed';
  // A stopped sandbox is replaced, not restarted: it runs with durability off, so a crash may have broken it.
  if (!info.State.Running) return `it is ${info.State.Status}`;
  return undefined;
}

/** Created but not started, recently: another worker is between `create` and `start`. */
export function isBeingStarted(info: Docker.ContainerInspectInfo, readinessMs: number): boolean {
  const createdAt = Number(info.Config.Labels?.[LABELS.created]);
  return ['created', 'configured'].includes(info.State.Status) && Date.now() - createdAt < readinessMs;
}

/** The ensure state of a sandbox just built: made afresh, or in place of an earlier one. */
export const built = (replaced: boolean): 'created' | 'recreated' => (replaced ? 'recreated' : 'created');
