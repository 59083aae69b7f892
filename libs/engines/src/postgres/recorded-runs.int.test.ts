/**
 * A query re-run after its worker died applies its writes once (issue 10 item 4): a script of one
 * write runs in a transaction whose id is recorded before it commits, and the re-run asks the server
 * what became of it. A "dead worker" here is a connection left holding its transaction open.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../engine.ts';
import { limits } from '../test-support/limits.ts';
import { createPostgresSandbox } from '../test-support/postgres-sandbox.ts';
import { sandboxFor } from '../test-support/sandbox.ts';
import { PostgresEngine } from './postgres-engine.ts';

const engine = new PostgresEngine();
const db = sandboxFor(engine, createPostgresSandbox, [
  'CREATE TABLE tally (n int); CREATE TABLE parent (id int PRIMARY KEY); ' +
    'CREATE TABLE child (p int REFERENCES parent DEFERRABLE INITIALLY DEFERRED)',
]);

/** A record that keeps what runs write to it, as the worker's journal in Redis does. */
function journal(earlier: Partial<Pick<RunRecord, 'earlierRunDied' | 'earlierTransaction'>> = {}) {
  const recorded: string[] = [];
  const record: RunRecord = {
    earlierRunDied: false,
    ...earlier,
    recordTransaction: async (id) => {
      recorded.push(id);
    },
  };
  return { record, recorded };
}

async function count(n: number): Promise<number> {
  const out = await engine.execute(db.target, `SELECT count(*)::int FROM tally WHERE n = ${n}`, limits());
  return Number(out.results[0]?.rows[0]?.[0]);
}

describe('recorded runs (PostgreSQL)', () => {
  it('skips a re-run whose earlier run committed, and says so', async () => {
    const first = journal();
    const out = await engine.execute(db.target, 'INSERT INTO tally VALUES (1)', limits(), first.record);
    expect(out).toMatchObject({ kind: 'ok', results: [{ rowCount: 1 }] });
    expect(out.earlierRun).toBeUndefined();
    expect(first.recorded).toHaveLength(1);

    const again = journal({ earlierRunDied: true, earlierTransaction: first.recorded[0] });
    const rerun = await engine.execute(db.target, 'INSERT INTO tally VALUES (1)', limits(), again.record);
    expect(rerun).toMatchObject({ kind: 'ok', earlierRun: 'committed', results: [] });
    expect(await count(1)).toBe(1);
  });

  it('ends an earlier run still holding its transaction open, then runs once', async () => {
    const dead = new pg.Client({ ...db.target, application_name: 'dead-worker' });
    dead.on('error', () => undefined);
    await dead.connect();
    const opened = await dead.query('BEGIN; INSERT INTO tally VALUES (2); SELECT pg_current_xact_id()::text AS id');
    const id = (opened as unknown as pg.QueryResult[]).at(-1)?.rows[0].id as string;

    const again = journal({ earlierRunDied: true, earlierTransaction: id });
    const rerun = await engine.execute(db.target, 'INSERT INTO tally VALUES (2)', limits(), again.record);
    expect(rerun).toMatchObject({ kind: 'ok', earlierRun: 'rolled-back', results: [{ rowCount: 1 }] });
    expect(await count(2)).toBe(1);
    await dead.end().catch(() => undefined);
  });

  it('runs again when the earlier run died before it recorded anything', async () => {
    const again = journal({ earlierRunDied: true });
    const rerun = await engine.execute(db.target, 'INSERT INTO tally VALUES (3)', limits(), again.record);
    expect(rerun).toMatchObject({ kind: 'ok', earlierRun: 'rolled-back' });
    expect(await count(3)).toBe(1);
  });

  it('commits nothing when the record cannot be written', async () => {
    const record: RunRecord = {
      earlierRunDied: false,
      recordTransaction: () => Promise.reject(new Error('Connection is closed.')),
    };
    await expect(engine.execute(db.target, 'INSERT INTO tally VALUES (4)', limits(), record)).rejects.toThrow(
      'Connection is closed',
    );
    expect(await count(4)).toBe(0);
  });

  it('reports a write refused at commit as the statement’s error', async () => {
    const out = await engine.execute(db.target, 'INSERT INTO child VALUES (42)', limits(), journal().record);
    expect(out).toMatchObject({ kind: 'sql-error', error: { code: '23503', statementIndex: 0 } });
  });

  it('leaves reads and scripts of several statements unwrapped, and cannot tell for them', async () => {
    for (const script of ['SELECT 1', 'INSERT INTO tally VALUES (5); INSERT INTO tally VALUES (5)']) {
      const again = journal({ earlierRunDied: true });
      const out = await engine.execute(db.target, script, limits(), again.record);
      expect(out.kind).toBe('ok');
      expect(out.earlierRun).toBeUndefined();
      expect(again.recorded).toEqual([]);
    }
  });

  it('still resets what the last script left when a recorded write rolls back', async () => {
    await engine.execute(db.target, "SET DateStyle = 'SQL, DMY'", limits());
    const failed = await engine.execute(db.target, 'INSERT INTO tally VALUES (1, 2)', limits(), journal().record);
    expect(failed.kind).toBe('sql-error');
    const probe = await engine.execute(db.target, 'SHOW DateStyle', limits());
    expect(probe.results[0]?.rows).toEqual([['ISO, MDY']]);
  });
});
