/**
 * An unannounced burst (issue 9 item 4): N new sessions of one schema at once, no exam registered,
 * each on a fresh real fleet with SANDBOX_TEMPLATES on (copies of the schema's template) and off
 * (DDL + seed every time). Run alone:
 * `node --import tsx bench/suites/template-burst.ts [--burst=100] [--engines=postgres,mysql]`
 * (prints the table, writes bench/results/template-burst.json). Measurement only.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { EngineName } from '@sqlfleet/core';
import { startFleet } from '../../test/support/fleet.ts';
import { EXAM_CHECK, EXAM_DBML } from '../schemas.ts';
import { since, summarize } from '../stats.ts';
import { type Row, renderTable } from '../table.ts';

export async function benchTemplateBurst(
  engines: readonly EngineName[],
  count: number,
  log: (line: string) => void = () => undefined,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const engine of engines) {
    for (const templates of [true, false]) {
      const fleet = await startFleet({
        workers: 2,
        env: { WORKER_CONCURRENCY: '8', LOG_LEVEL: 'warn', SANDBOX_TEMPLATES: String(templates) },
      });
      try {
        log(`${engine}: ${count} new sessions at once, templates ${templates ? 'on' : 'off'}`);
        // One session first: with templates on, its schema's template then exists, as after any first session.
        await firstQuery(fleet.url, engine);
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        const started = performance.now();
        const answers = await Promise.all(Array.from({ length: count }, () => firstQuery(fleet.url, engine)));
        rows.push({
          suite: 'template-burst',
          case: `${engine} ${count} new sessions at once, ${templates ? 'template copy' : 'DDL + seed'}`,
          summary: summarize(answers, since(started)),
          note: 'ops/s = new sessions answered per second',
        });
      } finally {
        await fleet.stop();
      }
    }
  }
  return rows;
}

/** A new student's first query (own client id) until its checked answer, in ms. */
async function firstQuery(url: string, engine: EngineName): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/api/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-sqlfleet-client': `bench-${randomBytes(6).toString('hex')}` },
    body: JSON.stringify({ engine, dbml: EXAM_DBML, query: EXAM_CHECK.query, wait: true }),
  });
  const body = (await response.json()) as { success?: boolean; sandbox?: string; rows?: { n: unknown }[] };
  if (!body.success || body.sandbox !== 'created' || Number(body.rows?.[0]?.n) !== EXAM_CHECK.expected) {
    throw new Error(
      `${engine}: not a new seeded sandbox: HTTP ${response.status} ${JSON.stringify(body).slice(0, 300)}`,
    );
  }
  return since(started);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { burst: { type: 'string', default: '100' }, engines: { type: 'string', default: 'postgres,mysql' } },
  });
  const rows = await benchTemplateBurst(values.engines.split(',') as EngineName[], Number(values.burst), (line) =>
    console.error(`[template-burst] ${line}`),
  );
  console.log(renderTable(rows));
  await writeFile(
    new URL('../results/template-burst.json', import.meta.url),
    `${JSON.stringify({ at: new Date().toISOString(), rows }, null, 2)}\n`,
  );
}
