/**
 * d. One engine's execute alone (libs/engines), on an existing sandbox: no queue, no HTTP.
 * The difference from the fleet rows is what the queue, the worker and the API add.
 */
import type { QueryLimits } from '@sqlfleet/contracts';
import type { EngineName } from '@sqlfleet/core';
import { createEngine, type Engine } from '@sqlfleet/engines';
import { ownRss } from '../rss.ts';
import { createSandbox } from '../sandboxes.ts';
import { sequential } from '../stats.ts';
import type { Row } from '../table.ts';

export const ENGINE_BENCH = {
  select1: { warmup: 50, iterations: 500 },
  bigResult: { warmup: 3, iterations: 30 },
  rows: 10_000,
};

const LIMITS: QueryLimits = { timeoutMs: 5_000, maxRows: ENGINE_BENCH.rows, maxBytes: 8 * 1024 * 1024 };

/** A 10,000-row, two-column result made by the server itself. */
const BIG: Record<string, string> = {
  postgres: `SELECT g AS id, md5(g::text) AS label FROM generate_series(1, ${ENGINE_BENCH.rows}) AS g`,
  // MariaDB's SEQUENCE engine (seq_1_to_N): a recursive CTE stops at 1000 rows there.
  mysql: `SELECT seq AS id, MD5(seq) AS label FROM seq_1_to_${ENGINE_BENCH.rows}`,
};

export async function benchEngines(engines: readonly EngineName[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const name of engines) {
    const engine = createEngine(name);
    const sandbox = await createSandbox(name);
    try {
      const select1 = await sequential(() => run(engine, sandbox.target, 'SELECT 1', 1), ENGINE_BENCH.select1);
      rows.push({ suite: 'engine', case: `${name} execute SELECT 1`, summary: select1 });
      const big = await sequential(
        () => run(engine, sandbox.target, BIG[name] ?? '', ENGINE_BENCH.rows),
        ENGINE_BENCH.bigResult,
      );
      rows.push({
        suite: 'engine',
        case: `${name} execute ${ENGINE_BENCH.rows.toLocaleString('en')}-row result`,
        summary: big,
        rssMiB: { bench: ownRss() },
        note: 'id + md5 text per row',
      });
    } finally {
      await engine.close();
      await sandbox.drop();
    }
  }
  return rows;
}

async function run(engine: Engine, target: Parameters<Engine['execute']>[0], sql: string, rows: number): Promise<void> {
  const outcome = await engine.execute(target, sql, LIMITS);
  if (outcome.kind !== 'ok') throw new Error(`${engine.name}: ${outcome.error.code} ${outcome.error.message}`);
  const got = outcome.results[0];
  if (got?.rows.length !== rows || got.truncated) {
    throw new Error(`${engine.name}: expected ${rows} rows, got ${got?.rows.length} (truncated: ${got?.truncated})`);
  }
}
