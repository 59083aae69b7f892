import { createLogger, loadConfig, RepeatFolder, Shutdown } from '@sqlfleet/core';
import {
  AuditLog,
  closeRedis,
  connectRedis,
  createPrewarmQueue,
  DrainQueues,
  FAIL_FAST,
  FleetKeys,
  JobStore,
  Mailbox,
  mailboxOptions,
  ResultPublisher,
  RoomStats,
  redisReady,
  WorkerHeartbeats,
  warnIfVolatile,
} from '@sqlfleet/queue';
import { createSandboxes } from '@sqlfleet/sandbox';
import { buildApp } from './app.ts';
import { ExamService } from './exam-service.ts';
import { registerFleetGauges } from './fleet-metrics.ts';
import { createApiMetrics } from './metrics.ts';
import { DashboardReader } from './proctor/dashboard-reader.ts';
import { EngineProbe, serverAddresses } from './proctor/engine-probe.ts';
import { AccessResolver } from './proctor/proctor-access.ts';
import { startProctorNamespace } from './proctor/proctor-namespace.ts';
import { ProctorTokens } from './proctor/proctor-tokens.ts';
import { SocketCensus } from './proctor/socket-census.ts';
import { RateLimiter } from './rate-limiter.ts';
import { ResultWaiter } from './result-waiter.ts';
import type { ApiServices } from './services.ts';
import { createSocketGateway } from './socket-gateway.ts';
import { SubmissionService } from './submission-service.ts';

const config = loadConfig();
const logger = createLogger({ name: 'api', level: config.logLevel });
const shutdown = new Shutdown({ logger });
shutdown.listen();
// Run last: what repeated warnings (an outage's) folded since their last line is written before the process ends.
shutdown.add('folded log lines', () => RepeatFolder.of(logger).flush());

const keys = new FleetKeys(config.fleetId);
// Fail fast: while Redis is away a request answers 503 QUEUE_UNAVAILABLE at once instead of hanging.
const redis = connectRedis(config.redis, logger, FAIL_FAST);
const subscriber = connectRedis(config.redis, logger);
const adapterRedis = connectRedis(config.redis, logger);
// BullMQ's queues apart: each defines its ~50 scripts as commands on its connection, and ioredis copies
// every one of them into each MULTI made on that connection (6.7 % of the API's CPU at an exam start).
const queueRedis = connectRedis(config.redis, logger, FAIL_FAST);
shutdown.add('redis', () =>
  Promise.all([redis, subscriber, adapterRedis, queueRedis].map(closeRedis)).then(() => undefined),
);
await redisReady(redis);
await warnIfVolatile(redis, logger);

const drainQueues = new DrainQueues(queueRedis, keys);
shutdown.add('drain queues', () => drainQueues.close());
const prewarmQueue = createPrewarmQueue(queueRedis, keys);
shutdown.add('prewarm queue', () => prewarmQueue.close());
const jobs = new JobStore(redis, keys, config.resultTtlMs);
const mailbox = new Mailbox(redis, keys, drainQueues, mailboxOptions(config));
// The API destroys sandboxes itself on DELETE, so it holds provisioners too.
const sandboxes = await createSandboxes({ config, logger, redis, keys });
shutdown.add('sandboxes', () => sandboxes.close());
const { sessions, manager, compiler, runtime } = sandboxes;
const waiter = new ResultWaiter(subscriber, keys, jobs);
const heartbeats = new WorkerHeartbeats(redis, keys);
const proctorTokens = new ProctorTokens(redis, keys, config.proctor.tokenTtlMs);
const stats = new RoomStats(redis, keys, { sessionTtlMs: config.sessionTtlMs });
const census = new SocketCensus(redis, keys);
// Only shared servers are probed; container sandboxes show through the container engine's circuit.
const probed =
  config.sandbox.provisioner === 'server'
    ? [...runtime.available]
    : (['mssql'] as const).filter((e) => runtime.available.has(e));
const adminUrls = {
  postgres: config.engines.postgresAdminUrl,
  mysql: config.engines.mysqlAdminUrl,
  mssql: config.engines.mssqlUrl,
};
const reader = new DashboardReader({
  redis,
  keys,
  drainQueues,
  sessions,
  stats,
  census,
  heartbeats,
  probe: new EngineProbe(serverAddresses(Object.fromEntries(probed.map((e) => [e, adminUrls[e]])))),
  exam: (room) => sandboxes.exams.status(room),
  localHealth: () => runtime.health(),
});
const rateLimiter = new RateLimiter(redis, keys, config.rateLimitPerMinute);
const services: ApiServices = {
  config,
  redis,
  keys,
  drainQueues,
  sessions,
  jobs,
  mailbox,
  manager,
  waiter,
  submissions: new SubmissionService({
    sessions,
    mailbox,
    rateLimiter,
    compiler,
    available: runtime.available,
    limits: config.limits,
    logger,
  }),
  exams: new ExamService({
    exams: sandboxes.exams,
    sessions,
    manager,
    compiler,
    prewarmQueue,
    available: runtime.available,
    config,
    logger,
  }),
  rateLimiter,
  available: runtime.available,
  metrics: createApiMetrics(redis, keys, drainQueues),
  healthDetails: () => runtime.health(),
  proctor: {
    access: new AccessResolver(config.opsToken, proctorTokens),
    tokens: proctorTokens,
    audit: new AuditLog(redis, keys, config.audit),
    stats,
    reader,
    census,
  },
};

const app = buildApp(services, logger);
const io = createSocketGateway(app.server, services, adapterRedis, logger);
services.publisher = new ResultPublisher(redis, keys, io);
registerFleetGauges(services.metrics, {
  redis,
  sessions,
  heartbeats,
  sockets: () => io.of('/').sockets.size,
  health: () => runtime.health(),
  dashboard: () => reader.read({ kind: 'ops' }),
});
const dashboard = startProctorNamespace({
  io,
  access: services.proctor.access,
  reader,
  census,
  pushMs: config.proctor.pushMs,
  logger,
});
// Closed in reverse: stop taking requests (answering the waiting ones) before the clients go.
shutdown.add('http', async () => {
  await waiter.close();
  await dashboard.stop();
  io.disconnectSockets(true);
  await app.close();
});

await waiter.start();
await app.listen({ host: config.http.host, port: config.http.port });
logger.info({ port: config.http.port, engines: [...runtime.available] }, 'api listening');
