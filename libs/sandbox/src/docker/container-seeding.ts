import { setTimeout as sleep } from 'node:timers/promises';
import type { SandboxTarget } from '@sqlfleet/contracts';
import type { Logger } from '@sqlfleet/core';
import type { Engine } from '@sqlfleet/engines';
import type { Sandbox, SandboxSpec } from '../provisioner.ts';
import { answersPing } from '../provisioning.ts';
import type { ServerAdmin } from '../server/server-admin.ts';
import { containerAdmin, loginPassword, loginTarget } from './container-admin.ts';
import { logLineProbe, runningProbe } from './container-probes.ts';
import { answers, waitFor } from './readiness.ts';
import type { SandboxDocker } from './sandbox-docker.ts';
import type { SandboxParts } from './sandbox-parts.ts';

/** A sandbox handle, and whether this call seeded it (rather than finding it seeded). */
export type Seeded = { sandbox: Sandbox; seeded: boolean };
type Prepared = { seeded: boolean; createdAt: number };

/** The container whose server is to hold the session's sandbox `name`, and the time allowed. */
export interface SeedInput {
  api: SandboxDocker;
  name: string;
  /** The container's address on its sandbox network. */
  host: string;
  adminPassword: string;
  spec: SandboxSpec;
  parts: SandboxParts;
  /** The sandbox's creation time, unless its metadata holds an earlier one. */
  createdAt: number;
  deadline: number;
  log: Logger;
}

/** The session's sandbox in the container, seeded unless it was; the handle reaches it as its login. */
export async function seedSandbox(input: SeedInput): Promise<Seeded> {
  const { name, spec, parts, host, adminPassword } = input;
  const target = loginTarget(spec.engine, parts.image, host, name, loginPassword(adminPassword, name));
  const prepared = await prepare(input, target);
  return { sandbox: describeSandbox(name, spec, target, prepared.createdAt), seeded: prepared.seeded };
}

export function describeSandbox(name: string, spec: SandboxSpec, target: SandboxTarget, createdAt: number): Sandbox {
  const { sessionId, engine, fingerprint } = spec;
  return { id: name, provisioner: 'docker', sessionId, engine, fingerprint, target, createdAt };
}

/**
 * Waits for the server, then, under the server's own lock on the sandbox name, seeds the sandbox
 * (seeded) or, when another worker already did, makes sure the login answers; with the sandbox's creation time.
 */
async function prepare(input: SeedInput, target: SandboxTarget): Promise<Prepared> {
  const { api, name, adminPassword, spec, parts, createdAt, deadline, log } = input;
  const admin = containerAdmin(spec.engine, parts.image, target.host, adminPassword, log);
  try {
    const logged = parts.image.readyLogLine;
    const probes = [
      runningProbe(api, name),
      ...(logged ? [logLineProbe(api, name, logged)] : []),
      answers('the server accepts its admin', () => admin.databaseExists(name)),
    ];
    await waitFor(probes, {
      timeoutMs: Math.max(0, deadline - Date.now()),
    });
    for (;;) {
      const locked = await admin.withLock(name, () => seed(admin, parts.engine, target, spec, createdAt));
      if (locked.held) return locked.value;
      if (Date.now() >= deadline) throw new Error('another worker is still seeding this sandbox');
      await sleep(50);
    }
  } finally {
    await admin.close();
  }
}

/** Seeds the sandbox unless a previous holder of the lock did; called with the lock held. */
async function seed(
  admin: ServerAdmin,
  engine: Engine,
  target: SandboxTarget,
  spec: SandboxSpec,
  createdAt: number,
): Promise<Prepared> {
  const name = target.database;
  const meta = await admin.readMeta(name);
  if (meta?.ready && meta.fingerprint === spec.fingerprint) {
    // A pre-warmed sandbox now belongs to the session that claimed it (the orphan sweep reads this).
    if (meta.sessionId !== spec.sessionId) await admin.writeMeta(name, { ...meta, sessionId: spec.sessionId });
    // Seeded already; the student may have changed the login's password since.
    if (!(await answersPing(engine, target))) {
      await engine.release(target);
      await admin.setPassword(name, target.password);
    }
    return { seeded: false, createdAt: meta.createdAt };
  }
  await engine.release(target);
  // A seed a dead worker left half-done is started again from nothing.
  if (meta) await admin.dropSandbox(name, name);
  const record = { sessionId: spec.sessionId, fingerprint: spec.fingerprint, createdAt };
  await admin.writeMeta(name, { ...record, ready: false });
  await admin.createSandbox(name, name, target.password);
  await engine.applySchema(target, spec.batches);
  await admin.writeMeta(name, { ...record, ready: true });
  return { seeded: true, createdAt };
}
