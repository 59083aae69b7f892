/**
 * A Redis high-availability group of the test's own, on free loopback ports: a primary, one replica
 * and three sentinels (quorum 2), all with passwords, data nodes with an append-only file fsynced on
 * every write. `env` points a fleet at it through Sentinel.
 */
import { randomBytes } from 'node:crypto';
import { type PrivateServer, privateRedis, privateSentinel, redisCli } from './private-servers.ts';
import { until } from './until.ts';

export interface SentinelGroup {
  /** The data nodes as started: `servers[0]` is the first primary, `servers[1]` its replica. */
  servers: PrivateServer[];
  sentinels: PrivateServer[];
  masterName: string;
  /** REDIS_SENTINELS, REDIS_SENTINEL_MASTER and both passwords, for a fleet's environment. */
  env: Record<string, string>;
  /** Port of the data node the sentinels name as primary now. */
  primaryPort(): Promise<number>;
  /** Resolves once every sentinel knows the other two and the replica's link is up: a failover needs both. */
  formed(): Promise<void>;
  stop(): Promise<void>;
}

export interface SentinelGroupOptions {
  /**
   * `min-replicas-to-write 1` on the data nodes. With one replica, the promoted replica then refuses
   * writes until the old primary rejoins as its replica: fit for a switchover, not for a primary that died.
   */
  guarded?: boolean;
}

export async function startSentinelGroup(options: SentinelGroupOptions = {}): Promise<SentinelGroup> {
  const masterName = `t${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const sentinelPassword = randomBytes(12).toString('hex');
  const servers: PrivateServer[] = [];
  const sentinels: PrivateServer[] = [];
  const stop = async () => {
    await Promise.all([...sentinels, ...servers].map((server) => server.stop()));
  };
  try {
    // A primary cut off from its replica refuses writes (NOREPLICAS) rather than take writes a switchover
    // would drop; on both nodes, since the replica becomes the primary.
    const guard = options.guarded ? ['--min-replicas-to-write', '1', '--min-replicas-max-lag', '10'] : [];
    const primary = await privateRedis(guard, password);
    servers.push(primary);
    servers.push(await privateRedis([...guard, '--replicaof', '127.0.0.1', String(primary.port)], password));
    for (let i = 0; i < 3; i++) {
      sentinels.push(await privateSentinel({ name: masterName, port: primary.port, password }, sentinelPassword));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const ask = (sentinel: PrivateServer, ...command: string[]) => redisCli(sentinel.port, sentinelPassword, command);
  const primaryPort = async () => {
    for (const sentinel of sentinels) {
      const answer = await ask(sentinel, 'SENTINEL', 'get-master-addr-by-name', masterName).catch(() => '');
      const port = Number(answer.split('\n')[1]);
      if (port) return port;
    }
    throw new Error('no sentinel answers');
  };
  return {
    servers,
    sentinels,
    masterName,
    env: {
      REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
      REDIS_SENTINEL_MASTER: masterName,
      REDIS_PASSWORD: password,
      REDIS_SENTINEL_PASSWORD: sentinelPassword,
    },
    primaryPort,
    async formed() {
      const figures = async () => {
        const seen = await Promise.all(
          sentinels.map(async (sentinel) => {
            const fields = (await ask(sentinel, 'SENTINEL', 'master', masterName)).split('\n');
            const field = (name: string) => Number(fields[fields.indexOf(name) + 1]);
            return `${field('num-other-sentinels')}/${field('num-slaves')}`;
          }),
        );
        const link = await redisCli(servers[1]?.port ?? 0, password, ['INFO', 'replication']);
        return `${seen.join(' ')} ${/master_link_status:up/.test(link) ? 'up' : 'down'}`;
      };
      const seen = await until(figures, (value) => value === '2/1 2/1 2/1 up', 30_000);
      if (seen !== '2/1 2/1 2/1 up')
        throw new Error(`sentinel group not formed: ${seen} (others/replicas per sentinel)`);
    },
    stop,
  };
}
