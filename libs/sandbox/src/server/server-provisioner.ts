import type { QueryOutcome, SandboxTarget } from '@sqlfleet/contracts';
import { AppError, type EngineName, isAppError, type Logger, RepeatFolder } from '@sqlfleet/core';
import type { Engine } from '@sqlfleet/engines';
import { giveWay } from '../give-way.ts';
import type { EnsureResult, Provisioner, Sandbox, SandboxRef, SandboxSpec } from '../provisioner.ts';
import { asSandboxError, pingFailure } from '../provisioning.ts';
import { MeasureSchedule } from './measure-schedule.ts';
import { assertFleetId, isSandboxName, newPassword, sandboxName } from './sandbox-names.ts';
import type { SandboxMeta, ServerAdmin } from './server-admin.ts';
import type { ServerTemplates } from './server-templates.ts';
import { enforceStorageCap } from './storage-cap.ts';

export interface ServerProvisionerOptions {
  /** Starts every database and login name this fleet makes: `[a-z][a-z0-9]*`, no `_`. */
  fleetId: string;
  engines: ReadonlyMap<EngineName, Engine>;
  /** One admin per engine this deployment serves; an engine without one answers ENGINE_UNAVAILABLE. */
  admins: Partial<Record<EngineName, ServerAdmin>>;
  /** Bytes a sandbox database may hold before its writes are refused; 0: no cap. */
  storageCapBytes?: number;
  /**
   * Running time (ms) a sandbox's read-only queries may add up to before the cap measures it again
   * (SANDBOX_STORAGE_READ_MS; see MeasureSchedule). Default 0: measured after every query.
   */
  storageReadBudgetMs?: number;
  /** New sandboxes as copies of a template per fingerprint (SANDBOX_TEMPLATES); absent: DDL + seed each time. */
  templates?: ServerTemplates;
  /** True while the worker's query slots are all taken: a claimed sandbox's owner record waits (see handOver). */
  saturated?: () => boolean;
  logger: Logger;
}

/**
 * A database per session on a shared server, owned by a login made for that session (same name as the
 * database). Each ensure runs under a server-side lock on the sandbox name, so two workers never build
 * the same sandbox at once: the one that finds the lock taken gets a retryable SANDBOX_FAILED.
 */
export class ServerProvisioner implements Provisioner {
  readonly kind = 'server' as const;
  private closing?: Promise<void>;
  /** What this process last measured of each sandbox, to leave read-only queries unmeasured. */
  private readonly measures: MeasureSchedule;

  constructor(private readonly options: ServerProvisionerOptions) {
    assertFleetId(options.fleetId);
    this.measures = new MeasureSchedule({ readBudgetMs: options.storageReadBudgetMs ?? 0 });
  }

  async ensure(spec: SandboxSpec, known?: Sandbox): Promise<EnsureResult> {
    const { admin, engine } = this.parts(spec.engine);
    // A claimed pre-warmed sandbox keeps the name it was built under (the handle the session store has).
    const name =
      known?.provisioner === 'server' && isSandboxName(this.options.fleetId, known.id)
        ? known.id
        : sandboxName(this.options.fleetId, spec.sessionId);
    const log = this.options.logger.child({ sessionId: spec.sessionId, engine: spec.engine, sandbox: name });
    try {
      const locked = await admin.withLock(name, () => this.ensureLocked(admin, engine, name, spec, known, log));
      if (!locked.held) throw new AppError('SANDBOX_FAILED', 'Another worker is preparing this sandbox; try again');
      return locked.value;
    } catch (error) {
      throw asSandboxError(error, 'The sandbox could not be prepared');
    }
  }

  async handOver(sandbox: Sandbox): Promise<void> {
    this.measures.fresh(sandbox);
    const { admin } = this.parts(sandbox.engine);
    // Bookkeeping, not the student's: until it lands the exam's owner tag reads as held (see Provisioner.handOver),
    // so at an exam start it gives way to the first queries. Written during the burst, one upsert and commit per
    // claim on the server took a fifth of the first answers per second (PostgreSQL, sized server: 248-275/s
    // with it, 315-332/s without).
    await giveWay(this.options.saturated);
    // The orphan sweep reads the owner from here: the session now, no longer the exam.
    await admin.writeMeta(sandbox.id, {
      sessionId: sandbox.sessionId,
      fingerprint: sandbox.fingerprint,
      createdAt: sandbox.createdAt,
      ready: true,
    });
  }

  async enforceStorage(sandbox: Sandbox, outcome: QueryOutcome): Promise<QueryOutcome> {
    const cap = this.options.storageCapBytes ?? 0;
    const { admin, engine } = this.parts(sandbox.engine);
    if (cap <= 0 || !admin.storage || !this.measures.due(sandbox, outcome)) return outcome;
    return enforceStorageCap(admin.storage, engine, sandbox, cap, outcome, this.measures);
  }

  async destroy(ref: SandboxRef): Promise<void> {
    if (!isSandboxName(this.options.fleetId, ref.id)) {
      this.options.logger.warn({ sandbox: ref.id }, 'not a sandbox of this fleet: nothing destroyed');
      return;
    }
    const { admin, engine } = this.parts(ref.engine);
    try {
      const locked = await admin.withLock(ref.id, async () => {
        await engine.release(targetOf(admin, ref.engine, ref.id, ''));
        await admin.dropSandbox(ref.id, ref.id);
        this.measures.forget(ref);
      });
      if (!locked.held) throw new AppError('SANDBOX_FAILED', 'Another worker is preparing this sandbox; try again');
    } catch (error) {
      throw asSandboxError(error, 'The sandbox could not be removed');
    }
  }

  async list(): Promise<SandboxRef[]> {
    const { fleetId } = this.options;
    const refs: SandboxRef[] = [];
    for (const [engine, admin] of Object.entries(this.options.admins) as [EngineName, ServerAdmin][]) {
      const names = (await admin.listSandboxes(`${fleetId}_`)).filter((n) => isSandboxName(fleetId, n));
      const metas = await admin.listMeta(`${fleetId}_`);
      for (const id of names) {
        const sessionId = metas.get(id)?.sessionId;
        refs.push(sessionId === undefined ? { id, engine } : { id, engine, sessionId });
      }
    }
    return refs;
  }

  /** Drops template databases no sandbox was cloned from lately (the reaper calls this). */
  async sweepTemplates(): Promise<string[]> {
    const { templates, admins } = this.options;
    if (!templates) return [];
    const dropped: string[] = [];
    for (const admin of Object.values(admins)) if (admin) dropped.push(...(await templates.sweep(admin)));
    return dropped;
  }

  close(): Promise<void> {
    this.closing ??= Promise.allSettled(Object.values(this.options.admins).map((a) => a?.close())).then(
      () => undefined,
    );
    return this.closing;
  }

  private async ensureLocked(
    admin: ServerAdmin,
    engine: Engine,
    name: string,
    spec: SandboxSpec,
    known: Sandbox | undefined,
    log: Logger,
  ): Promise<EnsureResult> {
    const exists = await admin.databaseExists(name);
    const meta = exists ? await admin.readMeta(name) : undefined;
    // Rebuilt only when positively known to be missing, half-made or of another fingerprint.
    if (meta?.ready && meta.fingerprint === spec.fingerprint) {
      const reused = await this.reuse(admin, engine, name, spec, meta, known);
      // A pre-warmed sandbox now belongs to the session that claimed it (the orphan sweep reads this).
      if (meta.sessionId !== spec.sessionId) await admin.writeMeta(name, { ...meta, sessionId: spec.sessionId });
      return { sandbox: reused, state: 'reused' };
    }
    if (known) await engine.release(known.target);
    const state = exists || known?.id === name ? 'recreated' : 'created';
    log.info({ state, had: meta?.fingerprint }, 'building sandbox');
    const sandbox = await this.build(admin, engine, name, spec, log);
    this.measures.fresh(sandbox);
    return { sandbox, state };
  }

  /**
   * The existing sandbox, which the admin connection has just seen ready and of the right fingerprint:
   * it is never rebuilt from here. A login that does not answer gets a new password (the old one is
   * lost, or the student changed it) and one more try; if it still does not answer, or the server is
   * full, the error is thrown as it is (retryable: SERVER_BUSY, SANDBOX_UNREACHABLE, …) and the drain
   * tries again later with the sandbox and its data untouched.
   */
  private async reuse(
    admin: ServerAdmin,
    engine: Engine,
    name: string,
    spec: SandboxSpec,
    meta: SandboxMeta,
    known: Sandbox | undefined,
  ): Promise<Sandbox> {
    const sandbox = (target: SandboxTarget): Sandbox => ({
      ...this.describe(name, spec, target),
      createdAt: meta.createdAt,
    });
    if (known?.id === name) {
      const failure = await pingFailure(engine, known.target);
      if (!failure) return sandbox(known.target);
      // A full server or budget says nothing about the password: changing it would not help.
      if (isAppError(failure) && (failure.code === 'SERVER_BUSY' || failure.code === 'CONNECTIONS_EXHAUSTED')) {
        RepeatFolder.of(this.options.logger).warn(
          { sessionId: spec.sessionId, engine: spec.engine, sandbox: name, code: failure.code },
          'sandbox login cannot connect for now: keeping the sandbox, retrying later',
        );
        throw failure;
      }
    }
    // Idle connections are keyed without the password, so the old ones go first.
    const target = targetOf(admin, spec.engine, name, newPassword());
    await engine.release(target);
    await admin.setPassword(name, target.password);
    const failure = await pingFailure(engine, target);
    if (!failure) return sandbox(target);
    RepeatFolder.of(this.options.logger).warn(
      { sessionId: spec.sessionId, engine: spec.engine, sandbox: name, err: failure },
      'sandbox exists but its login does not answer: keeping it, retrying later',
    );
    throw isAppError(failure) && failure.retryable
      ? failure
      : new AppError('SANDBOX_UNREACHABLE', 'The sandbox exists but its login does not answer', { cause: failure });
  }

  private async build(
    admin: ServerAdmin,
    engine: Engine,
    name: string,
    spec: SandboxSpec,
    log: Logger,
  ): Promise<Sandbox> {
    const createdAt = Date.now();
    const meta = { sessionId: spec.sessionId, fingerprint: spec.fingerprint, createdAt };
    // Clears leftovers (a stale sandbox, a login a crash left without its database).
    await admin.dropSandbox(name, name);
    // Written first so the orphan sweep can tell whose half-made sandbox it sees.
    await admin.writeMeta(name, { ...meta, ready: false });
    const target = targetOf(admin, spec.engine, name, newPassword());
    try {
      const cloned = await this.options.templates?.clone(admin, engine, name, target.password, spec);
      if (!cloned) {
        await admin.createSandbox(name, name, target.password);
        await engine.applySchema(target, spec.batches);
      }
    } catch (error) {
      RepeatFolder.of(this.options.logger).warn(
        { sessionId: spec.sessionId, engine: spec.engine, sandbox: name, err: error },
        'sandbox build failed: removing it',
      );
      await engine.release(target).catch(() => undefined);
      await admin
        .dropSandbox(name, name)
        .catch((e: unknown) => log.error({ err: e }, 'could not remove a failed sandbox'));
      throw asSandboxError(error, 'The sandbox schema could not be applied');
    }
    await admin.writeMeta(name, { ...meta, ready: true });
    return { ...this.describe(name, spec, target), createdAt };
  }

  private describe(name: string, spec: SandboxSpec, target: SandboxTarget): Omit<Sandbox, 'createdAt'> {
    return {
      id: name,
      provisioner: 'server',
      sessionId: spec.sessionId,
      engine: spec.engine,
      fingerprint: spec.fingerprint,
      target,
    };
  }

  private parts(name: EngineName): { admin: ServerAdmin; engine: Engine } {
    const admin = this.options.admins[name];
    const engine = this.options.engines.get(name);
    if (!admin || !engine)
      throw new AppError('ENGINE_UNAVAILABLE', `Engine ${name} is not available on this deployment`);
    return { admin, engine };
  }
}

function targetOf(admin: ServerAdmin, engine: EngineName, name: string, password: string): SandboxTarget {
  return { engine, host: admin.endpoint.host, port: admin.endpoint.port, database: name, user: name, password };
}
