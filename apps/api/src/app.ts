import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import type { Logger } from '@sqlfleet/core';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { answerClientError, answerFrameworkError, installErrorHandler } from './error-handler.ts';
import { instrumentHttp } from './metrics.ts';
import { mountQueueBoard } from './ops-queue-board.ts';
import { registerExamRoutes } from './routes/exam-routes.ts';
import { registerOpsRoutes } from './routes/ops-routes.ts';
import { registerProctorRoutes } from './routes/proctor-routes.ts';
import { registerQueryRoutes } from './routes/query-routes.ts';
import { registerRoomLimitsRoutes } from './routes/room-limits-routes.ts';
import { registerSessionRoutes } from './routes/session-routes.ts';
import type { ApiServices } from './services.ts';

/** The HTTP API: thin handlers over the services; every refusal goes through one error handler. */
export function buildApp(services: ApiServices, logger: Logger): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: services.config.limits.bodyBytes,
    genReqId: () => randomUUID(),
    trustProxy: true,
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
  });
  installErrorHandler(app);
  // Students' editors are web pages on their own origins; sessions are bearer ids, not cookies.
  const { corsOrigins } = services.config.http;
  void app.register(cors, {
    origin: corsOrigins === '*' ? true : [...corsOrigins],
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
  });
  if (services.config.metrics) instrumentHttp(app, services.metrics);
  registerQueryRoutes(app, services, logger);
  registerSessionRoutes(app, services);
  registerOpsRoutes(app, services);
  registerProctorRoutes(app, services);
  mountQueueBoard(
    app,
    services.drainQueues.entries().map(([, queue]) => queue),
    services.proctor.access,
  );
  registerExamRoutes(app, services);
  registerRoomLimitsRoutes(app, services);
  return app;
}
