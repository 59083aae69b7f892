import type { QueryOutcome } from '@sqlfleet/contracts';
import type { Logger } from '@sqlfleet/core';
import { LRUCache } from 'lru-cache';
import type { Sandbox } from '../provisioner.ts';
import { MeasureSchedule } from '../server/measure-schedule.ts';
import type { ServerAdmin } from '../server/server-admin.ts';
import { enforceStorageCap } from '../server/storage-cap.ts';
import { adminFromInspect } from './container-admin.ts';
import type { SandboxDocker } from './sandbox-docker.ts';
import type { SandboxParts } from './sandbox-parts.ts';

/** Containers whose admin connection a worker keeps for the storage checks (least recently used closed first). */
const ADMINS_KEPT = 256;

export interface ContainerStorageOptions {
  api: SandboxDocker;
  /** SANDBOX_STORAGE_MB in bytes; 0: no cap. */
  capBytes: number;
  /** SANDBOX_STORAGE_READ_MS: reads are measured once they have run this long in total. */
  readBudgetMs: number;
  logger: Logger;
}

/**
 * The storage cap inside sandbox containers, as on a shared server: after a query the container's own
 * admin measures the sandbox's database, and freezes the login's write rights past the cap (thaws them
 * once back under). The container's writable layer has no quota of its own on this host's storage, so
 * without this a student could fill the host's disk. Each container's admin (address and password read
 * once from its inspect) is kept between queries; one that fails is read again next time (the container
 * may have been replaced, with a new address and password).
 */
export class ContainerStorage {
  private readonly measures: MeasureSchedule;
  private readonly admins = new LRUCache<string, ServerAdmin>({
    max: ADMINS_KEPT,
    dispose: (admin) => void admin.close().catch(() => undefined),
  });

  constructor(private readonly options: ContainerStorageOptions) {
    this.measures = new MeasureSchedule({ readBudgetMs: options.readBudgetMs });
  }

  async enforce(sandbox: Sandbox, parts: SandboxParts, outcome: QueryOutcome): Promise<QueryOutcome> {
    // Decided before the container's admin is looked for: that takes an inspect, and a connection into it.
    if (this.options.capBytes <= 0 || !this.measures.due(sandbox, outcome)) return outcome;
    const admin = await this.adminOf(sandbox, parts);
    if (!admin?.storage) return outcome;
    try {
      return await enforceStorageCap(
        admin.storage,
        parts.engine,
        sandbox,
        this.options.capBytes,
        outcome,
        this.measures,
      );
    } catch (error) {
      this.admins.delete(sandbox.id);
      throw error;
    }
  }

  /** A container just seeded, or claimed from an exam: see MeasureSchedule.fresh. */
  fresh(sandbox: Sandbox): void {
    this.measures.fresh(sandbox);
  }

  /** Closes the container's admin connection (the container is going away). */
  forget(name: string): void {
    this.admins.delete(name);
  }

  close(): void {
    this.admins.clear();
  }

  private async adminOf(sandbox: Sandbox, parts: SandboxParts): Promise<ServerAdmin | undefined> {
    const kept = this.admins.get(sandbox.id);
    if (kept) return kept;
    const info = await this.options.api.inspectContainer(sandbox.id);
    const admin = info && adminFromInspect(info, sandbox.engine, parts.image, this.options.logger);
    if (admin) this.admins.set(sandbox.id, admin);
    return admin;
  }
}
