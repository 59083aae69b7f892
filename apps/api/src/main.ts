import { createLogger, loadConfig, Shutdown } from '@sqlfleet/core';
import {
  closeRedis,
  connectRedis,
  createDrainQueue,
  FleetKeys,
  JobStore,
  Mailbox,
  ResultPublisher,
} from '@sqlfleet/queue';
import { createSandboxes } from '@sqlfleet/sandbox';
import { buildApp } from './app.ts';
import { createApiMetrics } from './metrics.ts';
import { RateLimiter } from './rate-limiter.ts';
import { ResultWaiter } from './result-waiter.ts';
import type { ApiServices } from './services.ts';
import { createSocketGateway } from './socket-gateway.ts';
import { SubmissionService } from './submission-service.ts';

const config = loadConfig();
const logger = createLogger({ name: 'api', level: config.logLevel });
const shutdown = new Shutdown({ logger });
shutdown.listen();

const keys = new FleetKeys(config.fleetId);
const redis = connectRedis(config.redisUrl, logger);
const subscriber = connectRedis(config.redisUrl, logger);
const adapterRedis = connectRedis(config.redisUrl, logger);
shutdown.add('redis', () => Promise.all([redis, subscriber, adapterRedis].map(closeRedis)).then(() => undefined));

const drainQueue = createDrainQueue(redis, keys);
shutdown.add('drain queue', () => drainQueue.close());
const jobs = new JobStore(redis, keys, config.resultTtlMs);
const mailbox = new Mailbox(redis, keys, drainQueue);
// The API destroys sandboxes itself on DELETE, so it holds provisioners too.
const sandboxes = await createSandboxes({ config, logger, redis, keys });
shutdown.add('sandboxes', () => sandboxes.close());
const { sessions, manager, compiler, runtime } = sandboxes;
const waiter = new ResultWaiter(subscriber, keys, jobs);
const services: ApiServices = {
  config,
  redis,
  keys,
  drainQueue,
  sessions,
  jobs,
  mailbox,
  manager,
  waiter,
  submissions: new SubmissionService({
    sessions,
    jobs,
    mailbox,
    compiler,
    available: runtime.available,
    limits: config.limits,
    logger,
  }),
  rateLimiter: new RateLimiter(redis, keys, config.rateLimitPerMinute),
  available: runtime.available,
  metrics: createApiMetrics(redis, keys, drainQueue),
  healthDetails: () => runtime.health(),
};

const app = buildApp(services, logger);
const io = createSocketGateway(app.server, services, adapterRedis, logger);
services.publisher = new ResultPublisher(redis, keys, io);
// Closed in reverse: stop taking requests (answering the waiting ones) before the clients go.
shutdown.add('http', async () => {
  await waiter.close();
  io.disconnectSockets(true);
  await app.close();
});

await waiter.start();
await app.listen({ host: config.http.host, port: config.http.port });
logger.info({ port: config.http.port, engines: [...runtime.available] }, 'api listening');
