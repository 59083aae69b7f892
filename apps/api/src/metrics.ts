import type { DrainQueues, FleetKeys } from '@sqlfleet/queue';
import { readBacklog } from '@sqlfleet/queue';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of an API replica. Backlog gauges read Redis at scrape time, so every
 * replica reports the fleet's backlog (the autoscaler takes one value, not a sum).
 */
export function createApiMetrics(redis: Redis, keys: FleetKeys, queues: DrainQueues): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sqlfleet_api_' });
  new Gauge({
    name: 'sqlfleet_backlog_queries',
    help: 'Queries accepted and not finished, by engine',
    labelNames: ['engine'],
    registers: [registry],
    async collect() {
      const backlog = await readBacklog(redis, keys, queues);
      this.reset();
      for (const [engine, count] of Object.entries(backlog.byEngine)) this.set({ engine }, count);
    },
  });
  new Gauge({
    name: 'sqlfleet_backlog_sessions',
    help: 'Sessions with queries waiting for a worker (state=waiting) or being drained (state=active)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const { sessions } = await readBacklog(redis, keys, queues);
      this.set({ state: 'waiting' }, sessions.waiting);
      this.set({ state: 'active' }, sessions.active);
    },
  });
  new Gauge({
    name: 'sqlfleet_backlog_sessions_by_engine',
    help: 'The same per engine: what scales the workers that serve that engine',
    labelNames: ['engine', 'state'],
    registers: [registry],
    async collect() {
      const { sessionsByEngine } = await readBacklog(redis, keys, queues);
      for (const [engine, s] of Object.entries(sessionsByEngine)) {
        this.set({ engine, state: 'waiting' }, s.waiting);
        this.set({ engine, state: 'active' }, s.active);
      }
    },
  });
  return registry;
}

/** Request counts and latencies by route and status. */
export function instrumentHttp(app: FastifyInstance, registry: Registry): void {
  const requests = new Counter({
    name: 'sqlfleet_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'sqlfleet_http_request_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
}
