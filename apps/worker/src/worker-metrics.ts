import { createServer, type Server } from 'node:http';
import type { QueryResult } from '@sqlfleet/contracts';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** What a worker reports to Prometheus: queries by engine and outcome, and how long they took. */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly queries = new Counter({
    name: 'sqlfleet_worker_queries_total',
    help: 'Queries finished by this worker, by engine, outcome and sandbox state',
    labelNames: ['engine', 'outcome', 'sandbox'],
    registers: [this.registry],
  });
  private readonly seconds = new Histogram({
    name: 'sqlfleet_worker_query_seconds',
    help: 'Time from taking a query to storing its result (sandbox start-up included), by engine and sandbox state',
    labelNames: ['engine', 'sandbox'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private readonly failures = new Counter({
    name: 'sqlfleet_worker_job_failures_total',
    help: 'Queries that ended without a result, by error code',
    labelNames: ['code'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'sqlfleet_worker_' });
  }

  finished(result: QueryResult, seconds: number): void {
    const outcome = result.success ? 'ok' : result.error?.code === 'QUERY_TIMEOUT' ? 'timeout' : 'sql-error';
    this.queries.inc({ engine: result.engine, outcome, sandbox: result.sandbox });
    this.seconds.observe({ engine: result.engine, sandbox: result.sandbox }, seconds);
  }

  failed(code: string): void {
    this.failures.inc({ code });
  }

  /** Serves GET /metrics on `port` (0: not served). */
  listen(port: number, host: string): Server | undefined {
    if (port === 0) return undefined;
    const server = createServer((request, response) => {
      if (request.url !== '/metrics') {
        response.writeHead(404).end();
        return;
      }
      this.registry
        .metrics()
        .then((body) => response.writeHead(200, { 'content-type': this.registry.contentType }).end(body))
        .catch(() => response.writeHead(500).end());
    });
    server.listen(port, host);
    return server;
  }
}
