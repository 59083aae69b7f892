/**
 * Every app's /metrics, scraped as Prometheus would (API, worker on WORKER_METRICS_PORT, reaper
 * on REAPER_METRICS_PORT), on a real fleet: the series the dashboards and alerts use exist, move
 * when queries run, carry no per-session label, and the Grafana dashboard and alert rules in
 * infra/ name only series that some app exports.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../support/client.ts';
import { type Fleet, freePort, startFleet } from '../support/fleet.ts';
import { type Scrape, sampleOf, scrape } from '../support/prometheus.ts';
import { SHOP_DBML } from '../support/schemas.ts';
import { until } from '../support/until.ts';

const OPS = 'ops-secret-for-metrics-tests-1';
let fleet: Fleet;
let workerUrl: string;
let reaperUrl: string;
const all = async (): Promise<Record<'api' | 'worker' | 'reaper', Scrape>> => ({
  api: await scrape(`${fleet.url}/metrics`, OPS),
  worker: await scrape(workerUrl),
  reaper: await scrape(reaperUrl),
});

beforeAll(async () => {
  const [workerPort, reaperPort] = [await freePort(), await freePort()];
  workerUrl = `http://127.0.0.1:${workerPort}/metrics`;
  reaperUrl = `http://127.0.0.1:${reaperPort}/metrics`;
  fleet = await startFleet({
    workers: 1,
    reaper: true,
    env: {
      OPS_TOKEN: OPS,
      WORKER_METRICS_PORT: String(workerPort),
      REAPER_METRICS_PORT: String(reaperPort),
      // Long enough that a loaded machine's first sandbox build does not outlive it; short enough to see reaping.
      SESSION_TTL_MS: '10000',
      REAPER_INTERVAL_MS: '1000',
    },
  });
  // The API answers health before the worker and reaper (still loading) serve their metrics port.
  const ready = await until(
    () => all().catch((error: unknown) => error as Error),
    (scraped) => !(scraped instanceof Error),
    60_000,
  );
  if (ready instanceof Error) throw new Error(`metrics not served: ${ready.message}\n${fleet.faults()}`);
}, 150_000);
afterAll(async () => {
  await fleet?.stop();
}, 90_000);

describe('metrics of every app', () => {
  it('exist, and move as queries run, fail, time out and sandboxes are built and reaped', {
    timeout: 150_000,
  }, async () => {
    const before = await until(all, (s) => sampleOf(s.api, 'sqlfleet_workers_alive') === 1);
    expect(sampleOf(before.api, 'sqlfleet_redis_up')).toBe(1);
    expect(sampleOf(before.api, 'sqlfleet_workers_alive')).toBe(1);
    expect(sampleOf(before.worker, 'sqlfleet_worker_concurrency')).toBeGreaterThan(0);
    expect(sampleOf(before.reaper, 'sqlfleet_sandboxes_reaped_total', { reason: 'idle' })).toBe(0);
    expect(sampleOf(before.worker, 'sqlfleet_query_wait_seconds_count', { engine: 'postgres' })).toBeUndefined();

    const ok = await post(fleet.url, { engine: 'postgres', dbml: SHOP_DBML, room: 'm-1', query: 'SELECT 1' });
    const sessionId = String(ok.body.sessionId);
    const bad = await post(fleet.url, { engine: 'postgres', sessionId, query: 'SELEC 1' });
    const slow = await post(fleet.url, { engine: 'postgres', sessionId, query: 'SELECT pg_sleep(5)', timeoutMs: 300 });
    const my = await post(fleet.url, { engine: 'mysql', dbml: SHOP_DBML, query: 'SELECT 1' });
    expect([ok.status, bad.status, slow.status, my.status]).toEqual([200, 200, 200, 200]);
    expect(slow.body.error?.code).toBe('QUERY_TIMEOUT');

    const after = await all();
    const w = after.worker;
    expect(sampleOf(w, 'sqlfleet_query_wait_seconds_count', { engine: 'postgres' })).toBe(3);
    expect(sampleOf(w, 'sqlfleet_query_wait_seconds_count', { engine: 'mysql' })).toBe(1);
    expect(sampleOf(w, 'sqlfleet_worker_query_seconds_count', { engine: 'postgres' })).toBe(3);
    expect(sampleOf(w, 'sqlfleet_query_outcomes_total', { engine: 'postgres', outcome: 'ok' })).toBe(1);
    expect(
      sampleOf(w, 'sqlfleet_query_outcomes_total', { engine: 'postgres', outcome: 'sql-error', code: '42601' }),
    ).toBe(1);
    expect(
      sampleOf(w, 'sqlfleet_query_outcomes_total', { engine: 'postgres', outcome: 'timeout', code: 'QUERY_TIMEOUT' }),
    ).toBe(1);
    expect(
      sampleOf(w, 'sqlfleet_sandbox_build_seconds_count', {
        engine: 'postgres',
        provisioner: 'server',
        state: 'created',
      }),
    ).toBe(1);
    expect(sampleOf(w, 'sqlfleet_sandbox_build_seconds_count', { engine: 'mysql', provisioner: 'server' })).toBe(1);
    expect(sampleOf(w, 'sqlfleet_engine_connection_budget', { engine: 'postgres' })).toBeGreaterThan(0);
    // While a query runs, its connection counts against the budget.
    await post(fleet.url, { engine: 'postgres', sessionId, query: 'SELECT pg_sleep(3)', wait: false });
    const busy = await until(
      () => scrape(workerUrl),
      (s) => (sampleOf(s, 'sqlfleet_engine_connections', { engine: 'postgres' }) ?? 0) >= 1,
    );
    expect(sampleOf(busy, 'sqlfleet_engine_connections', { engine: 'postgres' })).toBeGreaterThanOrEqual(1);
    expect(sampleOf(w, 'sqlfleet_engine_connection_waiters', { engine: 'postgres' })).toBe(0);
    expect(sampleOf(after.api, 'sqlfleet_sessions_live')).toBe(2);
    expect(sampleOf(after.api, 'sqlfleet_http_requests_total', { route: '/api/query', status: '200' })).toBe(4);
    expect(sampleOf(after.api, 'sqlfleet_socket_clients')).toBe(0);
    expect(sampleOf(after.api, 'sqlfleet_backlog_sessions', { state: 'waiting' })).toBe(0);

    // No label carries a session or a job: their number would grow without bound.
    for (const scraped of Object.values(after)) {
      for (const key of scraped.series.keys()) {
        expect(key).not.toContain(sessionId);
        expect(key).not.toContain(String(ok.body.jobId));
      }
    }

    // Idle past SESSION_TTL_MS: the reaper removes both sandboxes and counts them.
    const reaped = await until(
      () => scrape(reaperUrl),
      (s) => sampleOf(s, 'sqlfleet_sandboxes_reaped_total', { reason: 'idle' }) === 2,
      60_000,
    );
    expect(sampleOf(reaped, 'sqlfleet_sandboxes_reaped_total', { reason: 'idle' })).toBe(2);
    expect(sampleOf(reaped, 'sqlfleet_reaper_sweeps_total', { result: 'ok' })).toBeGreaterThan(0);
    expect(sampleOf(await scrape(`${fleet.url}/metrics`, OPS), 'sqlfleet_sessions_live')).toBe(0);
  });

  it('cover every series the Grafana dashboard and the alert rules use', async () => {
    const scraped = await all();
    const exported = new Set([...scraped.api.names, ...scraped.worker.names, ...scraped.reaper.names]);
    const root = new URL('../../infra/', import.meta.url);
    const dashboard = readFileSync(new URL('grafana/sqlfleet-dashboard.json', root), 'utf8');
    const alerts = readFileSync(new URL('prometheus/alerts.yml', root), 'utf8');
    const used = (text: string) => new Set(text.match(/\bsqlfleet_[a-z0-9_]+/g) ?? []);
    const panels = (JSON.parse(dashboard) as { panels: unknown[] }).panels;
    expect(panels.length).toBeGreaterThan(5);
    for (const name of [...used(dashboard), ...used(alerts)]) {
      // Grafana's own identifiers (the dashboard's uid, datasource variable) are not series.
      if (name === 'sqlfleet_dashboard') continue;
      expect(exported, `${name} is used but no app exports it`).toContain(name);
    }
    expect(used(dashboard).size).toBeGreaterThan(10);
  });
});
