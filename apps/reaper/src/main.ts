import { createLogger, loadConfig, RepeatFolder, Shutdown, serveMetrics } from '@sqlfleet/core';
import { closeRedis, connectRedis, FleetKeys } from '@sqlfleet/queue';
import { createSandboxes } from '@sqlfleet/sandbox';
import { Reaper } from './reaper.ts';
import { ReaperMetrics } from './reaper-metrics.ts';

const config = loadConfig();
const logger = createLogger({ name: 'reaper', level: config.logLevel });
const shutdown = new Shutdown({ logger });
shutdown.listen();
// Run last: what repeated warnings (an outage's) folded since their last line is written before the process ends.
shutdown.add('folded log lines', () => RepeatFolder.of(logger).flush());

const keys = new FleetKeys(config.fleetId);
const redis = connectRedis(config.redis, logger);
shutdown.add('redis', () => closeRedis(redis));
// The reaper never builds a sandbox, so its schema compiler never starts a thread.
const sandboxes = await createSandboxes({ config, logger, redis, keys });
shutdown.add('sandboxes', () => sandboxes.close());

const metrics = new ReaperMetrics();
const metricsServer = await serveMetrics(metrics.registry, config.reaperMetricsPort, config.http.host);
if (metricsServer) shutdown.add('metrics', () => new Promise<void>((resolve) => metricsServer.close(() => resolve())));
const reaper = new Reaper({
  manager: sandboxes.manager,
  sessionTtlMs: config.sessionTtlMs,
  intervalMs: config.reaperIntervalMs,
  logger,
  metrics,
});
shutdown.add('reaper', () => reaper.stop());
reaper.start();
logger.info({ intervalMs: config.reaperIntervalMs, sessionTtlMs: config.sessionTtlMs }, 'reaper started');
