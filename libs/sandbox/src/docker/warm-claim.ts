import { type EngineName, isAppError, type Logger } from '@sqlfleet/core';
import type { SandboxRef, SandboxSpec } from '../provisioner.ts';
import { adminPasswordOf, containerAdmin, containerIp } from './container-admin.ts';
import { type Seeded, seedSandbox } from './container-seeding.ts';
import type { SandboxDocker } from './sandbox-docker.ts';
import { sandboxNetworkOf } from './sandbox-labels.ts';
import type { SandboxParts } from './sandbox-parts.ts';
import { removeSandbox } from './sandbox-removal.ts';
import type { WarmPool } from './warm-pool.ts';

export interface WarmClaimContext {
  api: SandboxDocker;
  pool: WarmPool;
  /** Joins this process's own container (when it runs in one) to a network, as for sandboxes. */
  attach(network: string): Promise<void>;
}

/**
 * Claims a warm container for the sandbox `name` and seeds it; undefined when none could be claimed
 * or it failed to become the sandbox (removed then: the caller creates one cold). A refused schema
 * or an unreachable engine is thrown as it is, since a cold container would fare no better.
 */
export async function claimWarm(
  { api, pool, attach }: WarmClaimContext,
  name: string,
  spec: SandboxSpec,
  parts: SandboxParts,
  deadline: number,
  log: Logger,
): Promise<Seeded | undefined> {
  if (!pool.enabled) return undefined;
  const createdAt = Date.now();
  const claim = { sessionId: spec.sessionId, fingerprint: spec.fingerprint, createdAt, ready: false };
  const info = await pool.claim(spec.engine, name, parts.image, claim);
  if (!info) return undefined;
  pool.refill(spec.engine, parts.image);
  try {
    const network = sandboxNetworkOf(info);
    const host = network && containerIp(info, network);
    const adminPassword = adminPasswordOf(info, parts.image);
    if (!network || !host || !adminPassword) throw new Error('the claimed container has no address or password');
    await attach(network);
    const seeded = await seedSandbox({ api, name, host, adminPassword, spec, parts, createdAt, deadline, log });
    log.debug({ container: info.Id }, 'warm container claimed');
    return seeded;
  } catch (error) {
    log.warn({ err: error }, 'claimed warm container failed to seed: removing it');
    await removeSandbox(api, name, parts.engine, info).catch((e: unknown) =>
      log.error({ err: e }, 'could not remove a failed claimed container'),
    );
    if (isAppError(error)) throw error;
    return undefined;
  }
}

/**
 * A claimed warm container's ref, its session read from the metadata its server holds (its labels
 * predate the claim; the claim is written there before the rename). A running one whose server does
 * not answer now is left out until the next sweep rather than handed to the reaper as sessionless.
 * A stopped one is listed without a session.
 */
export async function claimedRef(
  api: SandboxDocker,
  id: string,
  engine: EngineName,
  parts: SandboxParts | undefined,
  running: boolean,
  logger: Logger,
): Promise<SandboxRef | undefined> {
  const info = await api.inspectContainer(id);
  const network = info && sandboxNetworkOf(info);
  const host = info && network && containerIp(info, network);
  const adminPassword = info && parts && adminPasswordOf(info, parts.image);
  if (running && parts && host && adminPassword) {
    const admin = containerAdmin(engine, parts.image, host, adminPassword, logger);
    try {
      const meta = await admin.readMeta(id);
      if (meta) return { id, engine, sessionId: meta.sessionId };
    } catch (error) {
      logger.debug({ err: error, sandbox: id }, 'claimed container not answering yet');
    } finally {
      await admin.close();
    }
  }
  return running ? undefined : { id, engine };
}
