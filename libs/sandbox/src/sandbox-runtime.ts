import { hostname } from 'node:os';
import type { Config, EngineName, Logger } from '@sqlfleet/core';
import { createEngine, type Engine } from '@sqlfleet/engines';
import { createDockerClient } from './docker/docker-client.ts';
import { DockerProvisioner } from './docker/docker-provisioner.ts';
import type { Provisioner } from './provisioner.ts';
import { MssqlServerAdmin } from './server/mssql-server-admin.ts';
import { MysqlServerAdmin } from './server/mysql-server-admin.ts';
import { PostgresServerAdmin } from './server/postgres-server-admin.ts';
import type { ServerAdmin } from './server/server-admin.ts';
import { ServerProvisioner } from './server/server-provisioner.ts';

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
}

export function createSandboxRuntime({ config, logger }: SandboxRuntimeOptions): SandboxRuntime {
  const docker = config.sandbox.provisioner === 'docker';
  // In docker mode PostgreSQL and MySQL run in containers; SQL Server stays on its server (MSSQL_URL).
  const containerised = new Set<EngineName>(docker ? config.engines.enabled.filter((e) => e !== 'mssql') : []);
  const admins = serverAdmins(config, logger, containerised);
  const available = new Set([...containerised, ...(Object.keys(admins) as EngineName[])]);
  const engines = new Map([...available].map((name) => [name, createEngine(name, { logger })] as const));
  const provisioner = new ServerProvisioner({ fleetId: config.fleetId, engines, admins, logger });
  const containers = docker ? dockerProvisioner(config, logger, engines) : undefined;
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

function dockerProvisioner(
  config: Config,
  logger: Logger,
  engines: ReadonlyMap<EngineName, Engine>,
): DockerProvisioner {
  const { sandbox } = config;
  return new DockerProvisioner({
    fleetId: config.fleetId,
    docker: createDockerClient(sandbox.dockerHost),
    engines,
    images: sandbox.images,
    limits: { memoryMb: sandbox.memoryMb, cpus: sandbox.cpus, pidsLimit: sandbox.pids },
    readinessMs: sandbox.readinessMs,
    // A container's hostname is its id, which the container engine accepts as a name.
    attachContainer: sandbox.attachContainer === 'self' ? hostname() : sandbox.attachContainer,
    logger,
  });
}

/** An admin per enabled engine that has a server to make databases on (and does not run in containers). */
function serverAdmins(
  config: Config,
  logger: Logger,
  containerised: ReadonlySet<EngineName>,
): Partial<Record<EngineName, ServerAdmin>> {
  const enabled = new Set(config.engines.enabled.filter((e) => !containerised.has(e)));
  const admins: Partial<Record<EngineName, ServerAdmin>> = {};
  if (enabled.has('postgres'))
    admins.postgres = new PostgresServerAdmin({ url: config.engines.postgresAdminUrl, logger });
  if (enabled.has('mysql')) admins.mysql = new MysqlServerAdmin({ url: config.engines.mysqlAdminUrl, logger });
  // SQL Server is offered only where one is configured; elsewhere `mssql` answers ENGINE_UNAVAILABLE.
  if (enabled.has('mssql') && config.engines.mssqlUrl) {
    admins.mssql = new MssqlServerAdmin({ url: config.engines.mssqlUrl, logger });
  }
  return admins;
}
