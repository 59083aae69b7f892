import { hostname } from 'node:os';
import type { Config, EngineName, Logger } from '@sqlfleet/core';
import { createEngine, type Engine } from '@sqlfleet/engines';
import type Docker from 'dockerode';
import { connectionShare } from './connection-share.ts';
import { createDockerClient } from './docker/docker-client.ts';
import { DockerProvisioner } from './docker/docker-provisioner.ts';
import type { Provisioner } from './provisioner.ts';
import { MssqlServerAdmin } from './server/mssql-server-admin.ts';
import { MysqlServerAdmin } from './server/mysql-server-admin.ts';
import { PostgresServerAdmin } from './server/postgres-server-admin.ts';
import type { ServerAdmin } from './server/server-admin.ts';
import { ServerProvisioner } from './server/server-provisioner.ts';
import { ServerTemplates } from './server/server-templates.ts';
import { SandboxWatchdogLogins } from './watchdog-logins.ts';

/** The engines and provisioners a process uses, built from the configuration. */
export interface SandboxRuntime {
  engines: ReadonlyMap<EngineName, Engine>;
  provisioners: ReadonlyMap<EngineName, Provisioner>;
  /** Engines this deployment can serve: enabled, with a server or image to run on. */
  available: ReadonlySet<EngineName>;
  /** Figures for /api/health (e.g. the container engine's circuit). */
  health(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface SandboxRuntimeOptions {
  config: Config;
  logger: Logger;
  /** A worker's: true while its query slots are all taken (bookkeeping gives way). */
  saturated?: () => boolean;
}

/**
 * Server mode: every enabled engine with a server to make databases on (SQL Server only with MSSQL_URL).
 * Docker mode: every enabled engine whose sandbox image the container engine has; SQL Server stays on
 * its server when MSSQL_URL names one. An engine left without either answers ENGINE_UNAVAILABLE.
 */
export async function createSandboxRuntime({
  config,
  logger,
  saturated,
}: SandboxRuntimeOptions): Promise<SandboxRuntime> {
  const docker = config.sandbox.provisioner === 'docker' ? createDockerClient(config.sandbox.dockerHost) : undefined;
  const wanted = config.engines.enabled.filter((e) => !(e === 'mssql' && config.engines.mssqlUrl));
  const containerised = new Set(docker ? await enginesWithImages(docker, config, wanted, logger) : []);
  const admins = serverAdmins(config, logger, new Set(docker ? wanted : []));
  const available = new Set([...containerised, ...(Object.keys(admins) as EngineName[])]);
  // The watchdogs cancel as the server's (or the container's) admin, never as the student's login.
  const watchdog = new SandboxWatchdogLogins();
  if (admins.postgres) watchdog.addServer('postgres', config.engines.postgresAdminUrl);
  if (admins.mysql) watchdog.addServer('mysql', config.engines.mysqlAdminUrl);
  if (admins.mssql) watchdog.addServer('mssql', config.engines.mssqlUrl);
  const engines = new Map<EngineName, Engine>();
  for (const name of available) {
    const connectionBudget = await connectionShare(config.connections, admins[name], logger);
    const options = {
      logger,
      watchdog,
      connectionBudget,
      connectionWaitMs: config.connections.waitMs,
      idleTimeoutMs: config.connections.idleMs,
    };
    engines.set(name, createEngine(name, options));
    logger.info({ engine: name, connectionBudget }, 'connection budget of this process');
  }
  const provisioner = new ServerProvisioner({
    fleetId: config.fleetId,
    engines,
    admins,
    storageCapBytes: config.sandbox.storageMb * 1024 * 1024,
    storageReadBudgetMs: config.sandbox.storageReadMs,
    ...(config.sandbox.templates
      ? { templates: new ServerTemplates({ fleetId: config.fleetId, idleMs: config.sandbox.templateIdleMs, logger }) }
      : {}),
    ...(saturated ? { saturated } : {}),
    logger,
  });
  for (const admin of Object.values(admins)) void reportBounds(admin, logger);
  const containers = docker ? dockerProvisioner(config, logger, docker, engines, containerised) : undefined;
  if (containers) watchdog.useContainers(containers);
  const provisioners = new Map(
    [...available].map((name) => [name, (containerised.has(name) ? containers : provisioner) as Provisioner] as const),
  );
  let closing: Promise<void> | undefined;
  return {
    engines,
    provisioners,
    available,
    health: async () => (containers ? { containerEngine: containers.health() } : {}),
    close() {
      closing ??= Promise.allSettled([
        provisioner.close(),
        containers?.close(),
        ...[...engines.values()].map((e) => e.close()),
      ]).then(() => undefined);
      return closing;
    },
  };
}

/** Engines whose sandbox image is on the container engine (no registry is assumed reachable). */
async function enginesWithImages(
  docker: Docker,
  config: Config,
  engines: readonly EngineName[],
  logger: Logger,
): Promise<EngineName[]> {
  const found: EngineName[] = [];
  for (const engine of engines) {
    const image = config.sandbox.images[engine];
    const present = await docker
      .getImage(image)
      .inspect()
      .then(
        () => true,
        (error: unknown) => {
          logger.error({ engine, image, err: error }, 'sandbox image not found: this engine is not offered');
          return false;
        },
      );
    if (present) found.push(engine);
  }
  return found;
}

function dockerProvisioner(
  config: Config,
  logger: Logger,
  docker: Docker,
  engines: ReadonlyMap<EngineName, Engine>,
  containerised: ReadonlySet<EngineName>,
): DockerProvisioner {
  const { sandbox } = config;
  // Only engines served in containers get an image.
  const images = Object.fromEntries([...containerised].map((e) => [e, sandbox.images[e]]));
  return new DockerProvisioner({
    fleetId: config.fleetId,
    docker,
    engines,
    images,
    limits: { memoryMb: sandbox.memoryMb, cpus: sandbox.cpus, pidsLimit: sandbox.pids },
    readinessMs: sandbox.readinessMs,
    // A container's hostname is its id, which the container engine accepts as a name.
    attachContainer: sandbox.attachContainer === 'self' ? hostname() : sandbox.attachContainer,
    storageCapBytes: sandbox.storageMb * 1024 * 1024,
    storageReadBudgetMs: sandbox.storageReadMs,
    logger,
  });
}

/** An admin per enabled engine that has a server to make databases on (and is not meant for containers). */
function serverAdmins(
  config: Config,
  logger: Logger,
  inContainers: ReadonlySet<EngineName>,
): Partial<Record<EngineName, ServerAdmin>> {
  const enabled = new Set(config.engines.enabled.filter((e) => !inContainers.has(e)));
  const admins: Partial<Record<EngineName, ServerAdmin>> = {};
  if (enabled.has('postgres'))
    admins.postgres = new PostgresServerAdmin({
      url: config.engines.postgresAdminUrl,
      tempFileLimitMb: config.sandbox.tempFileMb,
      cloneStrategy: config.sandbox.pgCloneStrategy,
      logger,
    });
  if (enabled.has('mysql')) admins.mysql = new MysqlServerAdmin({ url: config.engines.mysqlAdminUrl, logger });
  // SQL Server is offered only where one is configured; elsewhere `mssql` answers ENGINE_UNAVAILABLE.
  if (enabled.has('mssql') && config.engines.mssqlUrl) {
    admins.mssql = new MssqlServerAdmin({ url: config.engines.mssqlUrl, logger });
  }
  return admins;
}

/** Warns, once at start, of what the shared server lets one sandbox take from the others. */
async function reportBounds(admin: ServerAdmin, logger: Logger): Promise<void> {
  try {
    for (const gap of (await admin.boundsReport?.()) ?? [])
      logger.warn({ engine: admin.engine }, `shared server: ${gap}`);
  } catch (error) {
    logger.warn({ engine: admin.engine, err: error }, 'shared server bounds not checked');
  }
}
