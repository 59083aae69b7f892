import { readBacklog } from '@sqlfleet/queue';
import type { FastifyInstance } from 'fastify';
import { opsTokenGuard } from '../ops-token.ts';
import type { ApiServices } from '../services.ts';

/** Health and Prometheus metrics (the proctor's views are in proctor-routes.ts). */
export function registerOpsRoutes(app: FastifyInstance, services: ApiServices): void {
  const { redis, keys, drainQueues, sessions, metrics, config, available } = services;
  const opsOnly = { preHandler: opsTokenGuard(services.proctor.access) };

  app.get('/api/health', async (_request, reply) => {
    const redisUp = await redis
      .ping()
      .then(() => true)
      .catch(() => false);
    if (!redisUp) {
      return reply.status(503).send({ status: 'down', redis: 'down' });
    }
    const [backlog, liveSessions, details] = await Promise.all([
      readBacklog(redis, keys, drainQueues),
      sessions.count(),
      services.healthDetails(),
    ]);
    const degraded = Object.values(details).some((d) => (d as { state?: string })?.state === 'open');
    return {
      status: degraded ? 'degraded' : 'ok',
      redis: 'up',
      queue: backlog,
      sandboxes: { provisioner: config.sandbox.provisioner, liveSessions, ...details },
      engines: [...available],
      uptimeS: Math.round(process.uptime()),
    };
  });

  app.get('/metrics', opsOnly, async (_request, reply) => {
    reply.header('content-type', metrics.contentType);
    return metrics.metrics();
  });
}
