/**
 * Where every process finds Redis: one server by URL, or the primary that Redis Sentinel names
 * (high availability: after a failover the sentinels name the promoted replica and every
 * connection follows it). Derived once from the configuration; libs/queue turns it into ioredis options.
 */
export type RedisTarget =
  | { kind: 'url'; url: string; password?: string }
  | {
      kind: 'sentinel';
      sentinels: readonly SentinelAddress[];
      /** The name the sentinels monitor the primary under (`sentinel monitor <name> …`). */
      masterName: string;
      /** Password of the primary and its replicas. */
      password?: string;
      /** Password of the sentinels themselves (`requirepass` in sentinel.conf). */
      sentinelPassword?: string;
    };

export interface SentinelAddress {
  host: string;
  port: number;
}

/** Sentinel's own default port, for an entry given without one. */
const SENTINEL_PORT = 26379;

/**
 * `host:port,host:port` (a port may be left out; IPv6 in brackets: `[::1]:26379`) into addresses,
 * with one problem per entry that is not one, so that all of them are reported at once.
 */
export function parseSentinels(list: string): { sentinels: SentinelAddress[]; problems: string[] } {
  const sentinels: SentinelAddress[] = [];
  const problems: string[] = [];
  for (const entry of list
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const match = /^(?:\[([^\]]+)\]|([^:[\]\s]+))(?::(\d{1,5}))?$/.exec(entry);
    const port = match?.[3] === undefined ? SENTINEL_PORT : Number(match[3]);
    const host = match?.[1] ?? match?.[2];
    if (!host || port < 1 || port > 65_535) problems.push(`"${entry}" is not host:port`);
    else sentinels.push({ host, port });
  }
  return { sentinels, problems };
}
