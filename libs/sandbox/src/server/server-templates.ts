import type { SandboxTarget } from '@sqlfleet/contracts';
import { type Logger, RepeatFolder } from '@sqlfleet/core';
import type { Engine } from '@sqlfleet/engines';
import type { SandboxSpec } from '../provisioner.ts';
import { newPassword, templateLogin, templateName } from './sandbox-names.ts';
import type { ServerAdmin } from './server-admin.ts';

/** The metadata owner of a template database (a session id never looks like this). */
export const TEMPLATE_OWNER = 'template';
/** How often one process records that it still clones from a template. */
const TOUCH_EVERY_MS = 60_000;

export interface ServerTemplatesOptions {
  fleetId: string;
  /** A template nothing was cloned from for this long is dropped by `sweep`. */
  idleMs: number;
  logger: Logger;
}

/**
 * One template database per schema fingerprint, built once (under a server-side lock, so once per
 * fleet) from the compiled DDL + seed and sealed; each new sandbox of that fingerprint is then a copy.
 * Any failure here only means "build the usual way": a template is a shortcut, never a requirement.
 */
export class ServerTemplates {
  /** Templates this process knows are sealed, with when it last recorded their use. */
  private readonly sealed = new Map<string, number>();
  /** Templates whose build failed here (e.g. a schema the server refuses): not tried again by this process. */
  private readonly failed = new Set<string>();
  private readonly building = new Map<string, Promise<void>>();

  constructor(private readonly options: ServerTemplatesOptions) {}

  /** True when `name` was made as a copy of the fingerprint's template; false: nothing was made. */
  async clone(admin: ServerAdmin, engine: Engine, name: string, password: string, spec: SandboxSpec): Promise<boolean> {
    if (!admin.cloneSandbox || !admin.sealTemplate) return false;
    const template = templateName(this.options.fleetId, spec.fingerprint);
    const log = this.options.logger.child({ engine: spec.engine, template });
    if (!this.sealed.has(template)) {
      // The first sandbox of a schema is built the usual way, not kept waiting for the template too.
      this.prepare(admin, engine, template, spec, log);
      return false;
    }
    try {
      await admin.cloneSandbox(template, templateLogin(template), name, name, password);
    } catch (error) {
      // E.g. the reaper dropped it meanwhile: look again next time.
      // Per sandbox: a server that is away fails every clone of a burst.
      RepeatFolder.of(this.options.logger).warn(
        { engine: spec.engine, template, err: error },
        'template clone failed: building from DDL instead',
      );
      this.sealed.delete(template);
      return false;
    }
    await this.touch(admin, template, spec.fingerprint);
    return true;
  }

  /** Resolves once the template builds this process started have ended. */
  async settled(): Promise<void> {
    await Promise.all(this.building.values());
  }

  /** Builds the template in the background, once per process at a time. */
  private prepare(admin: ServerAdmin, engine: Engine, template: string, spec: SandboxSpec, log: Logger): void {
    if (this.building.has(template) || this.failed.has(template)) return;
    const build = this.ready(admin, engine, template, spec, log)
      .catch((error: unknown) => {
        log.warn({ err: error }, 'template not ready');
        return false;
      })
      .then(() => {
        this.building.delete(template);
      });
    this.building.set(template, build);
  }

  /** Drops templates idle past `idleMs`; returns their names. */
  async sweep(admin: ServerAdmin, now = Date.now()): Promise<string[]> {
    const dropped: string[] = [];
    const metas = await admin.listMeta(`${this.options.fleetId}_t`);
    for (const [template, meta] of metas) {
      if (meta.sessionId !== TEMPLATE_OWNER || meta.createdAt >= now - this.options.idleMs) continue;
      const locked = await admin.withLock(template, async () => {
        const fresh = await admin.readMeta(template);
        if (fresh && fresh.createdAt >= now - this.options.idleMs) return false;
        await admin.dropSandbox(template, templateLogin(template));
        return true;
      });
      if (locked.held && locked.value) {
        this.sealed.delete(template);
        dropped.push(template);
      }
    }
    return dropped;
  }

  private async ready(
    admin: ServerAdmin,
    engine: Engine,
    template: string,
    spec: SandboxSpec,
    log: Logger,
  ): Promise<boolean> {
    const isSealed = async () => {
      const meta = await admin.readMeta(template);
      return meta?.ready === true && meta.fingerprint === spec.fingerprint && (await admin.databaseExists(template));
    };
    if (await isSealed()) {
      this.sealed.set(template, 0);
      return true;
    }
    // Another worker building it: this sandbox is built the usual way rather than waiting.
    const locked = await admin.withLock(
      template,
      async () => (await isSealed()) || this.build(admin, engine, template, spec, log),
    );
    if (locked.held && locked.value) this.sealed.set(template, 0);
    return locked.held && locked.value;
  }

  private async build(
    admin: ServerAdmin,
    engine: Engine,
    template: string,
    spec: SandboxSpec,
    log: Logger,
  ): Promise<boolean> {
    const login = templateLogin(template);
    const meta = { sessionId: TEMPLATE_OWNER, fingerprint: spec.fingerprint, createdAt: Date.now() };
    const target: SandboxTarget = {
      engine: spec.engine,
      host: admin.endpoint.host,
      port: admin.endpoint.port,
      database: template,
      user: login,
      password: newPassword(),
    };
    try {
      await admin.dropSandbox(template, login);
      await admin.writeMeta(template, { ...meta, ready: false });
      await admin.createSandbox(template, login, target.password);
      // Built by its own login, like any sandbox, so the DDL runs with a sandbox's rights only.
      await engine.applySchema(target, spec.batches);
      await engine.release(target);
      await admin.sealTemplate?.(template, login);
      await admin.writeMeta(template, { ...meta, ready: true });
      log.info('template built');
      return true;
    } catch (error) {
      log.warn({ err: error }, 'template build failed: sandboxes of this schema are built from DDL');
      this.failed.add(template);
      await engine.release(target).catch(() => undefined);
      await admin.dropSandbox(template, login).catch(() => undefined);
      return false;
    }
  }

  /** Records the template's last use (in its metadata's createdAt), at most once a minute per process. */
  private async touch(admin: ServerAdmin, template: string, fingerprint: string): Promise<void> {
    const now = Date.now();
    if (now - (this.sealed.get(template) ?? 0) < TOUCH_EVERY_MS) return;
    this.sealed.set(template, now);
    await admin
      .writeMeta(template, { sessionId: TEMPLATE_OWNER, fingerprint, createdAt: now, ready: true })
      .catch((error: unknown) =>
        RepeatFolder.of(this.options.logger).warn({ err: error, template }, 'could not record template use'),
      );
  }
}
