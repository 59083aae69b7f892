import { readBacklog } from '@sqlfleet/queue';
import type { FastifyInstance } from 'fastify';
import { opsTokenGuard } from '../ops-token.ts';
import type { ApiServices } from '../services.ts';
import { PROCTOR_PAGE } from './proctor-page.ts';

/** Health, backlog for proctors, Prometheus metrics, and the proctor page. */
export function registerOpsRoutes(app: FastifyInstance, services: ApiServices): void {
  const { redis, keys, drainQueue, sessions, metrics, config, available } = services;
  const opsOnly = { preHandler: opsTokenGuard(config.opsToken) };

  app.get('/api/health', async (_request, reply) => {
    const redisUp = await redis
      .ping()
      .then(() => true)
      .catch(() => false);
    if (!redisUp) {
      return reply.status(503).send({ status: 'down', redis: 'down' });
    }
    const [backlog, liveSessions, details] = await Promise.all([
      readBacklog(redis, keys, drainQueue),
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

  app.get('/api/queue', opsOnly, async () => ({
    at: new Date().toISOString(),
    ...(await readBacklog(redis, keys, drainQueue)),
  }));

  app.get('/metrics', opsOnly, async (_request, reply) => {
    reply.header('content-type', metrics.contentType);
    return metrics.metrics();
  });

  app.get('/proctor', opsOnly, async (_request, reply) => reply.type('text/html; charset=utf-8').send(PROCTOR_PAGE));
}
