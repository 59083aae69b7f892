import { createLogger, loadConfig, Shutdown } from '@sqlfleet/core';
import { SchemaCompiler } from '@sqlfleet/dbml';
import { closeRedis, connectRedis, FleetKeys } from '@sqlfleet/queue';
import { createSandboxRuntime, RedisLocks, SandboxManager, SessionStore } from '@sqlfleet/sandbox';
import { Reaper } from './reaper.ts';

const config = loadConfig();
const logger = createLogger({ name: 'reaper', level: config.logLevel });
const shutdown = new Shutdown({ logger });
shutdown.listen();

const keys = new FleetKeys(config.fleetId);
const redis = connectRedis(config.redisUrl, logger);
shutdown.add('redis', () => closeRedis(redis));
const fleet = await createSandboxRuntime({ config, logger });
shutdown.add('sandboxes', () => fleet.close());

const reaper = new Reaper({
  manager: new SandboxManager({
    store: new SessionStore(redis, keys, config.sessionTtlMs * 2),
    locks: new RedisLocks(redis, keys),
    provisioners: fleet.provisioners,
    // The reaper never builds a sandbox: its compiler never starts a thread.
    compiler: new SchemaCompiler(),
    logger,
  }),
  sessionTtlMs: config.sessionTtlMs,
  intervalMs: config.reaperIntervalMs,
  logger,
});
shutdown.add('reaper', () => reaper.stop());
reaper.start();
logger.info({ intervalMs: config.reaperIntervalMs, sessionTtlMs: config.sessionTtlMs }, 'reaper started');
