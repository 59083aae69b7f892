import { randomBytes } from 'node:crypto';
import { createLogger, loadConfig, RepeatFolder, Shutdown } from '@sqlfleet/core';
import {
  AuditLog,
  closeRedis,
  connectRedis,
  DrainHomes,
  type DrainJobData,
  DrainQueues,
  FleetKeys,
  HomeQueue,
  Mailbox,
  mailboxOptions,
  RoomStats,
  TransactionJournal,
  WorkerHeartbeats,
} from '@sqlfleet/queue';
import { createSandboxes } from '@sqlfleet/sandbox';
import { Worker } from 'bullmq';
import { DrainProcessor } from './drain-processor.ts';
import { HomeDrainLoop } from './home-drain-loop.ts';
import { startPrewarmWorker } from './prewarm-worker.ts';
import { QueryObserver } from './query-observer.ts';
import { QueryRunner } from './query-runner.ts';
import { RetryPolicy } from './retry-policy.ts';
import { WorkerMetrics } from './worker-metrics.ts';

/** How often a worker looks for the own queues of workers that died. */
const HOME_SWEEP_MS = 5_000;

const config = loadConfig();
const logger = createLogger({ name: 'worker', level: config.logLevel });
const shutdown = new Shutdown({ logger });
shutdown.listen();
// Run last: what repeated warnings (an outage's) folded since their last line is written before the process ends.
const repeats = RepeatFolder.of(logger);
shutdown.add('folded log lines', () => repeats.flush());

const keys = new FleetKeys(config.fleetId);
const redis = connectRedis(config.redis, logger);
const workerRedis = connectRedis(config.redis, logger);
// BullMQ's queues apart: each defines its scripts as commands on its connection, copied into every MULTI made on it.
const queueRedis = connectRedis(config.redis, logger);
shutdown.add('redis', () => Promise.all([redis, workerRedis, queueRedis].map(closeRedis)).then(() => undefined));

// The worker's id, its home: it also keeps connections to the sandboxes it pre-warms, and claims those first.
const workerId = `w-${randomBytes(4).toString('hex')}`;
// The observer (built below) says when the worker's query slots are all taken: pre-warm builds and bookkeeping
// then give way.
let observer: QueryObserver | undefined;
const saturated = () => observer?.saturated ?? false;
const sandboxes = await createSandboxes({ config, logger, redis, keys, holderId: workerId, saturated });
shutdown.add('sandboxes', () => sandboxes.close());
const { manager, runtime } = sandboxes;
const drainQueues = new DrainQueues(queueRedis, keys);
shutdown.add('drain queues', () => drainQueues.close());

const metrics = new WorkerMetrics();
metrics.watchConnections(
  () =>
    new Map(
      [...runtime.engines].flatMap(([name, engine]) => {
        const figures = engine.connectionFigures?.();
        return figures ? [[name, figures] as const] : [];
      }),
    ),
);
const metricsServer = await metrics.listen(config.worker.metricsPort, config.http.host);
if (metricsServer) shutdown.add('metrics', () => new Promise<void>((resolve) => metricsServer.close(() => resolve())));
const heartbeats = new WorkerHeartbeats(redis, keys);
observer = new QueryObserver({
  id: workerId,
  redis,
  metrics,
  stats: new RoomStats(redis, keys, { sessionTtlMs: config.sessionTtlMs }),
  audit: new AuditLog(redis, keys, config.audit),
  heartbeats,
  staleAfterMs: config.sandbox.readinessMs + config.worker.lockMs,
  concurrency: config.worker.concurrency,
  engines: [...runtime.available],
  circuit: async () => {
    const health = (await runtime.health()) as { containerEngine?: { state?: string } };
    return health.containerEngine?.state;
  },
  logger,
});
observer.start();
shutdown.add('heartbeat', () => observer.stop());
const mailboxSettings = mailboxOptions(config);
// The sessions this worker runs make it their home: their next drains come to its own queue.
const home = workerId;
const mailbox = new Mailbox(redis, keys, drainQueues, { ...mailboxSettings, home });
const homes = new DrainHomes(redis, keys, drainQueues, mailbox, heartbeats);
await homes.open(home);
const homeSweep = setInterval(() => {
  homes.sweep().then(
    (handed) => {
      if (handed.length > 0) logger.info({ homes: handed }, "gone workers' sessions handed to the shared queues");
    },
    (error: unknown) => repeats.warn({ err: error }, "gone workers' queues not looked after"),
  );
}, HOME_SWEEP_MS);
homeSweep.unref();
shutdown.add('home sweep', () => clearInterval(homeSweep));
// Each time Redis is back (and at start), queries stored just before an outage get their drain.
const resumeStranded = () =>
  mailbox.resumeStranded().then(
    (sessions) => logger.info({ sessions }, 'sessions with waiting queries handed to drains'),
    (error: unknown) => logger.warn({ err: error }, 'waiting queries not resumed'),
  );
redis.on('ready', () => void resumeStranded());
if (redis.status === 'ready') void resumeStranded();
const processor = new DrainProcessor({
  mailbox,
  runner: new QueryRunner(
    manager,
    runtime.engines,
    runtime.provisioners,
    metrics,
    new TransactionJournal(redis, keys, config.resultTtlMs),
    logger,
  ),
  observer,
  maxCrashes: config.worker.maxCrashes,
  retry: new RetryPolicy({ ceilingMs: config.worker.retryMs }),
  leaseMs: mailboxSettings.leaseMs,
  logger,
});

// Per engine this process serves: its home queue (the sessions it ran last or was given, see HomeQueue)
// and two BullMQ workers, on the engine's shared queue and on its own (drains that wait a while first).
// It never takes a session of an engine it has no sandboxes for (those wait for workers that have).
const homeLoops = [...runtime.available].map((engine) => {
  const blocking = connectRedis(config.redis, logger);
  shutdown.add(`${engine} home queue redis`, () => closeRedis(blocking));
  const queue = new HomeQueue(redis, keys, engine, home);
  const loop = new HomeDrainLoop({
    queue,
    blocking,
    concurrency: config.worker.concurrency,
    drain: (sessionId, priority) => processor.processHomed(sessionId, engine, priority),
    handBack: ({ sessionId, priority }) => mailbox.scheduleDrain(sessionId, engine, priority),
    logger,
  });
  loop.start();
  return loop;
});
const workers = [...runtime.available].flatMap((engine) => [
  startDrainWorker(keys.drainQueueFor(engine), engine),
  startDrainWorker(keys.drainQueueFor(engine, home), engine),
]);
function startDrainWorker(queue: string, engine: string): Worker<DrainJobData> {
  const worker = new Worker<DrainJobData>(queue, processor.process, {
    connection: workerRedis,
    prefix: 'bull',
    concurrency: config.worker.concurrency,
    // Every worker must agree on these (FIELD-NOTES): a dead worker's job comes back after about lockMs.
    lockDuration: config.worker.lockMs,
    stalledInterval: config.worker.lockMs,
    maxStalledCount: 10,
  });
  // Both repeat for every connection and drain while Redis is away.
  worker.on('error', (error) => repeats.error({ err: error, engine }, 'worker error'));
  worker.on('failed', (job, error) =>
    repeats.warn(
      { sessionId: job?.data.sessionId, engine, attemptsMade: job?.attemptsMade, err: error },
      'drain attempt failed',
    ),
  );
  return worker;
}
// Closed first (registered last): finish the query in hand, hand the rest back, then release. The
// heartbeat goes first, so API replicas send no more drains to this worker's own queue, whose jobs
// then go to the shared queues.
shutdown.add('worker', async () => {
  processor.stop();
  await observer.stop();
  await Promise.all([...workers.map((worker) => worker.close()), ...homeLoops.map((loop) => loop.close())]);
  // The figures of the queries the closing drains finished, before Redis closes.
  await observer.flush();
  await homes.handOver(home);
});
const prewarmRedis = connectRedis(config.redis, logger);
shutdown.add('prewarm redis', () => closeRedis(prewarmRedis));
const prewarm = startPrewarmWorker({
  config,
  keys,
  connection: prewarmRedis,
  producer: queueRedis,
  sandboxes,
  saturated,
  logger,
});
if (prewarm) shutdown.add('prewarm worker', () => prewarm.close());
logger.info({ concurrency: config.worker.concurrency, engines: [...runtime.available] }, 'worker started');
