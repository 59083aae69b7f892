import type { Server } from 'node:http';
import type { OutcomeLabel, QueryResult } from '@sqlfleet/contracts';
import { serveMetrics } from '@sqlfleet/core';
import type { ConnectionFigures } from '@sqlfleet/engines';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * What a worker reports to Prometheus: queries by engine and outcome, how long they waited
 * and ran, sandbox builds, and its own load. No label carries a session, job or room.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly queries = new Counter({
    name: 'sqlfleet_worker_queries_total',
    help: 'Queries finished by this worker, by engine, outcome and sandbox state',
    labelNames: ['engine', 'outcome', 'sandbox'],
    registers: [this.registry],
  });
  private readonly outcomes = new Counter({
    name: 'sqlfleet_query_outcomes_total',
    help: 'Queries finished, by engine, outcome (ok, truncated, sql-error, timeout, failed) and error code',
    labelNames: ['engine', 'outcome', 'code'],
    registers: [this.registry],
  });
  private readonly seconds = new Histogram({
    name: 'sqlfleet_worker_query_seconds',
    help: 'Time from taking a query to storing its result (sandbox start-up included), by engine and sandbox state',
    labelNames: ['engine', 'sandbox'],
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly waitSeconds = new Histogram({
    name: 'sqlfleet_query_wait_seconds',
    help: 'Time from a query being accepted to a worker taking it, by engine',
    labelNames: ['engine'],
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly failures = new Counter({
    name: 'sqlfleet_worker_job_failures_total',
    help: 'Queries that ended without a result, by error code',
    labelNames: ['code'],
    registers: [this.registry],
  });
  private readonly builds = new Histogram({
    name: 'sqlfleet_sandbox_build_seconds',
    help: "Time to get a sandbox for a query: built (created, recreated) or an exam's pre-warmed one claimed, by engine and provisioner",
    labelNames: ['engine', 'provisioner', 'state'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private readonly buildFailures = new Counter({
    name: 'sqlfleet_sandbox_build_failures_total',
    help: 'Sandboxes that could not be made or checked, by engine, provisioner and error code',
    labelNames: ['engine', 'provisioner', 'code'],
    registers: [this.registry],
  });
  readonly busy = new Gauge({
    name: 'sqlfleet_worker_busy_queries',
    help: 'Queries this worker is running now',
    registers: [this.registry],
  });
  readonly concurrency = new Gauge({
    name: 'sqlfleet_worker_concurrency',
    help: 'Queries this worker may run at once',
    registers: [this.registry],
  });
  readonly circuitOpen = new Gauge({
    name: 'sqlfleet_container_engine_circuit_open',
    help: '1 while the container engine circuit breaker is open (0.5 half-open, 0 closed)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'sqlfleet_worker_' });
  }

  finished(result: QueryResult, outcome: OutcomeLabel, seconds: number, waitSeconds: number): void {
    const legacy = outcome.kind === 'timeout' ? 'timeout' : result.success ? 'ok' : 'sql-error';
    this.queries.inc({ engine: result.engine, outcome: legacy, sandbox: result.sandbox });
    this.outcomes.inc({ engine: result.engine, outcome: outcome.kind, code: outcome.code });
    this.seconds.observe({ engine: result.engine, sandbox: result.sandbox }, seconds);
    this.waitSeconds.observe({ engine: result.engine }, waitSeconds);
  }

  failed(engine: string, code: string, waitSeconds: number): void {
    this.failures.inc({ code });
    this.outcomes.inc({ engine, outcome: 'failed', code });
    this.waitSeconds.observe({ engine }, waitSeconds);
  }

  sandboxBuilt(engine: string, provisioner: string, state: 'created' | 'recreated' | 'claimed', seconds: number): void {
    this.builds.observe({ engine, provisioner, state }, seconds);
  }

  sandboxFailed(engine: string, provisioner: string, code: string): void {
    this.buildFailures.inc({ engine, provisioner, code });
  }

  /**
   * Per engine: connections this worker holds on the shared server against its budget, and queries
   * waiting for one (the budget is per process: sum over workers for a server's load).
   */
  watchConnections(figures: () => ReadonlyMap<string, ConnectionFigures>): void {
    const gauge = (name: string, help: string, pick: (f: ConnectionFigures) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['engine'],
        registers: [this.registry],
        collect() {
          for (const [engine, f] of figures()) this.set({ engine }, pick(f));
        },
      });
    gauge('sqlfleet_engine_connections', 'Connections held on the engine server by this worker', (f) => f.held);
    gauge('sqlfleet_engine_connection_budget', 'Connections this worker may hold on the engine server', (f) => f.limit);
    gauge('sqlfleet_engine_connection_waiters', 'Queries of this worker waiting for a connection', (f) => f.waiting);
  }

  /** Serves GET /metrics on `port` (0: not served); rejects when the port cannot be taken. */
  listen(port: number, host: string): Promise<Server | undefined> {
    return serveMetrics(this.registry, port, host);
  }
}
