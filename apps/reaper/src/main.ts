import { createLogger, loadConfig, Shutdown } from '@sqlfleet/core';
import { closeRedis, connectRedis, FleetKeys } from '@sqlfleet/queue';
import { createSandboxes } from '@sqlfleet/sandbox';
import { Reaper } from './reaper.ts';

const config = loadConfig();
const logger = createLogger({ name: 'reaper', level: config.logLevel });
const shutdown = new Shutdown({ logger });
shutdown.listen();

const keys = new FleetKeys(config.fleetId);
const redis = connectRedis(config.redisUrl, logger);
shutdown.add('redis', () => closeRedis(redis));
// The reaper never builds a sandbox, so its schema compiler never starts a thread.
const sandboxes = await createSandboxes({ config, logger, redis, keys });
shutdown.add('sandboxes', () => sandboxes.close());

const reaper = new Reaper({
  manager: sandboxes.manager,
  sessionTtlMs: config.sessionTtlMs,
  intervalMs: config.reaperIntervalMs,
  logger,
});
shutdown.add('reaper', () => reaper.stop());
reaper.start();
logger.info({ intervalMs: config.reaperIntervalMs, sessionTtlMs: config.sessionTtlMs }, 'reaper started');
