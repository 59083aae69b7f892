import type { Config, EngineName, Logger } from '@sqlfleet/core';
import { createEngine, type Engine } from '@sqlfleet/engines';
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
  const admins = serverAdmins(config, logger);
  const available = new Set(Object.keys(admins) as EngineName[]);
  const engines = new Map([...available].map((name) => [name, createEngine(name, { logger })] as const));
  const provisioner = new ServerProvisioner({ fleetId: config.fleetId, engines, admins, logger });
  const provisioners = new Map([...available].map((name) => [name, provisioner as Provisioner] as const));
  let closing: Promise<void> | undefined;
  return {
    engines,
    provisioners,
    available,
    health: async () => ({}),
    close() {
      closing ??= Promise.allSettled([provisioner.close(), ...[...engines.values()].map((e) => e.close())]).then(
        () => undefined,
      );
      return closing;
    },
  };
}

/** An admin per enabled engine that has a server to make databases on. */
function serverAdmins(config: Config, logger: Logger): Partial<Record<EngineName, ServerAdmin>> {
  const enabled = new Set(config.engines.enabled);
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
