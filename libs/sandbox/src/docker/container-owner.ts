import type { EngineName, Logger } from '@sqlfleet/core';
import type Docker from 'dockerode';
import type { SandboxRef } from '../provisioner.ts';
import type { SandboxMeta, ServerAdmin } from '../server/server-admin.ts';
import { adminFromInspect } from './container-admin.ts';
import { LABELS } from './sandbox-labels.ts';
import type { SandboxParts } from './sandbox-parts.ts';

/**
 * A pre-warmed container is labelled with its exam's owner tag, and labels cannot change: once a session
 * claims it, who owns it is written where it can change, in the metadata row its own server holds (as
 * the server provisioner does in its metadata table). These read and write that row.
 */

/** Runs `fn` with the admin of the container's server; throws when the inspect shows no address or password. */
async function withAdmin<T>(
  info: Docker.ContainerInspectInfo,
  engine: EngineName,
  parts: SandboxParts,
  logger: Logger,
  fn: (admin: ServerAdmin) => Promise<T>,
): Promise<T> {
  const admin = adminFromInspect(info, engine, parts.image, logger);
  if (!admin) throw new Error('the container has no address or admin password');
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/** Records the session as the container's owner; throws when its server cannot be reached. */
export async function writeOwner(
  info: Docker.ContainerInspectInfo,
  name: string,
  engine: EngineName,
  parts: SandboxParts,
  meta: SandboxMeta,
  logger: Logger,
): Promise<void> {
  await withAdmin(info, engine, parts, logger, (admin) => admin.writeMeta(name, meta));
}

/**
 * A pre-warmed container's ref, its owner (the session that claimed it, else the exam of its label) read
 * from its server: a claim writes the row, so a container without one was never claimed. A running one
 * whose server does not answer now is listed with its owner unknown (kept until a sweep can read it),
 * never as its exam's, which could hand a claimed one to the reaper; a stopped one is listed without an owner.
 */
export async function pooledRef(
  info: Docker.ContainerInspectInfo,
  name: string,
  engine: EngineName,
  parts: SandboxParts | undefined,
  logger: Logger,
): Promise<SandboxRef> {
  if (!info.State.Running) return { id: name, engine };
  const labelled = info.Config.Labels?.[LABELS.session];
  try {
    if (!parts || !labelled) throw new Error('no image contract or owner label to read it with');
    const meta = await withAdmin(info, engine, parts, logger, (admin) => admin.readMeta(name));
    return { id: name, engine, sessionId: meta?.sessionId ?? labelled };
  } catch (error) {
    logger.debug({ err: error, sandbox: name }, 'pre-warmed container not answering: its owner is read next sweep');
    return { id: name, engine, ownerUnknown: true };
  }
}
