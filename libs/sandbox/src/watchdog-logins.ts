import type { SandboxTarget } from '@sqlfleet/contracts';
import type { EngineName } from '@sqlfleet/core';
import type { WatchdogLogin, WatchdogLogins } from '@sqlfleet/engines';

/** Something that can tell a sandbox container's own admin login (the docker provisioner). */
export interface ContainerWatchdogLogins {
  watchdogLoginFor(target: SandboxTarget): Promise<WatchdogLogin | undefined>;
}

const DEFAULT_PORTS: Partial<Record<EngineName, number>> = { postgres: 5432, mysql: 3306, mssql: 1433 };

/**
 * The admin logins the engines' watchdogs stop runaways through: a shared server's admin (from its
 * admin URL) for every sandbox on that server, else the sandbox container's own admin. Filled once
 * the provisioners exist (the engines are made first, and given this).
 */
export class SandboxWatchdogLogins implements WatchdogLogins {
  private readonly servers = new Map<string, WatchdogLogin>();
  private containers?: ContainerWatchdogLogins;

  /** A shared server's admin URL: its login stops the runaways of every sandbox on that server. */
  addServer(engine: EngineName, adminUrl: string): void {
    const url = new URL(adminUrl);
    const port = Number(url.port || DEFAULT_PORTS[engine]);
    this.servers.set(serverKey(engine, url.hostname, port), {
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: decodeURIComponent(url.pathname.slice(1)),
    });
  }

  useContainers(containers: ContainerWatchdogLogins): void {
    this.containers = containers;
  }

  async loginFor(target: SandboxTarget): Promise<WatchdogLogin | undefined> {
    return (
      this.servers.get(serverKey(target.engine, target.host, target.port)) ??
      (await this.containers?.watchdogLoginFor(target))
    );
  }
}

const serverKey = (engine: EngineName, host: string, port: number): string => `${engine}://${host}:${port}`;
