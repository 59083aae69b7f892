import { connect } from 'node:net';
import type { EngineName } from '@sqlfleet/core';

/** Where each engine's shared server listens (server provisioner), from its admin URL. */
export function serverAddresses(
  urls: Partial<Record<EngineName, string>>,
): Map<EngineName, { host: string; port: number }> {
  const defaults: Record<EngineName, number> = { postgres: 5432, mysql: 3306, mssql: 1433 };
  const found = new Map<EngineName, { host: string; port: number }>();
  for (const [engine, url] of Object.entries(urls) as [EngineName, string][]) {
    try {
      const parsed = new URL(url);
      if (parsed.hostname) found.set(engine, { host: parsed.hostname, port: Number(parsed.port) || defaults[engine] });
    } catch {
      // not a URL (e.g. a connection string): that engine is not probed
    }
  }
  return found;
}

/**
 * Is each engine's server accepting connections? A TCP connect, not a login: cheap enough to
 * run every few seconds, and what "the server is down" means to a proctor. Cached for `everyMs`.
 */
export class EngineProbe {
  private last: { at: number; down: EngineName[] } | undefined;

  constructor(
    private readonly servers: ReadonlyMap<EngineName, { host: string; port: number }>,
    private readonly everyMs = 5_000,
    private readonly timeoutMs = 1_500,
  ) {}

  async down(): Promise<EngineName[]> {
    if (this.last && Date.now() - this.last.at < this.everyMs) return this.last.down;
    const checks = await Promise.all(
      [...this.servers].map(async ([engine, address]) => ((await this.reachable(address)) ? undefined : engine)),
    );
    this.last = { at: Date.now(), down: checks.filter((engine): engine is EngineName => engine !== undefined) };
    return this.last.down;
  }

  private reachable({ host, port }: { host: string; port: number }): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect({ host, port });
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(this.timeoutMs, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
  }
}
