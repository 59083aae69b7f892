import { randomUUID } from 'node:crypto';
import type { QueryOutcome } from '@sqlfleet/contracts';
import type { EngineName } from '@sqlfleet/core';
import { createLogger } from '@sqlfleet/core';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { Sandbox } from '../provisioner.ts';
import { ServerProvisioner } from './server-provisioner.ts';
import { STORAGE_FULL } from './storage-cap.ts';
import { testFleet } from './test-fleet.ts';

const fleet = testFleet();
afterAll(() => fleet.close());
afterEach(() => {
  vi.restoreAllMocks();
});

const limits = { timeoutMs: 10_000, maxRows: 1_000, maxBytes: 1_000_000 };
const MB = 1024 * 1024;

/**
 * A sandbox, its admin's storage control, and a run() that applies the cap the way a worker does.
 * `storageReadBudgetMs`: as the worker's SANDBOX_STORAGE_READ_MS (absent: measured after every query).
 */
async function cappedSandbox(engine: EngineName, schema: string, headroomMb: number, storageReadBudgetMs?: number) {
  const { sandbox } = await fleet.provisioner.ensure({
    sessionId: randomUUID(),
    engine,
    fingerprint: 'f1',
    batches: [schema],
  });
  const admin = fleet.admins()[engine];
  const control = admin?.storage;
  if (!control) throw new Error(`no storage control for ${engine}`);
  const baseline = (await control.measure(sandbox.id, sandbox.id))?.bytes ?? 0;
  const cap = baseline + headroomMb * MB;
  const eng = fleet.engines.get(engine);
  if (!eng) throw new Error('no engine');
  // Another worker of the fleet, configured with this cap, checks after each query as a worker does.
  const capped = new ServerProvisioner({
    fleetId: fleet.fleetId,
    engines: fleet.engines,
    admins: fleet.admins(),
    storageCapBytes: cap,
    ...(storageReadBudgetMs === undefined ? {} : { storageReadBudgetMs }),
    logger: createLogger({ name: 'test', level: 'silent' }),
  });
  const run = async (sql: string): Promise<QueryOutcome> =>
    capped.enforceStorage(sandbox, await eng.execute(sandbox.target, sql, limits));
  return { sandbox: sandbox as Sandbox, control, run };
}

const codeOf = (o: QueryOutcome): string | undefined => (o.kind === 'ok' ? undefined : o.error.code);

describe('storage cap on PostgreSQL', () => {
  it('refuses writes past the cap with STORAGE_FULL, keeps reads and TRUNCATE, and lifts once data is gone', async () => {
    const { sandbox, control, run } = await cappedSandbox('postgres', 'CREATE TABLE t (id int, pad text)', 3);
    // Prepared before the cap, as a student planning an escape would: a SECURITY DEFINER writer, a
    // rule that writes on DELETE, and a view that calls the writer.
    expect(
      await run(`CREATE TABLE side (n int);
        CREATE FUNCTION sneak() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'INSERT INTO side VALUES (1) RETURNING n';
        CREATE RULE r AS ON DELETE TO t DO ALSO INSERT INTO side VALUES (2);
        CREATE VIEW v AS SELECT sneak() AS n`),
    ).toMatchObject({ kind: 'ok' });
    const fill = await run("INSERT INTO t SELECT g, repeat('x', 500) FROM generate_series(1, 12000) g");
    expect(fill.kind).toBe('ok');
    expect(await control.measure(sandbox.id, sandbox.id)).toMatchObject({ frozen: true });

    const refused = await run('INSERT INTO t VALUES (1, null)');
    expect(codeOf(refused)).toBe(STORAGE_FULL);
    expect(refused.kind === 'sql-error' && refused.error.message).toMatch(/storage cap/);
    for (const attempt of [
      'CREATE TABLE more (id int)',
      'CREATE TEMP TABLE more (id int)',
      'UPDATE t SET pad = pad || pad',
      // A GRANT without the right only warns; the write after it is what must fail.
      'GRANT INSERT ON t TO CURRENT_USER; INSERT INTO t VALUES (2, null)',
      'ALTER TABLE t OWNER TO CURRENT_USER',
      'SELECT sneak()',
      'SELECT * FROM v',
      'DELETE FROM t',
      `SELECT lo_from_bytea(0, convert_to(repeat('x', 1000000), 'UTF8'))`,
    ]) {
      const out = await run(attempt);
      expect({ attempt, kind: out.kind }).toEqual({ attempt, kind: 'sql-error' });
    }
    expect(await run('SELECT count(*) FROM t')).toMatchObject({ kind: 'ok', results: [{ rows: [['12000']] }] });
    expect(await run('SELECT count(*) FROM side')).toMatchObject({ kind: 'ok', results: [{ rows: [['0']] }] });

    expect(await run('TRUNCATE t')).toMatchObject({ kind: 'ok' });
    expect(await control.measure(sandbox.id, sandbox.id)).toMatchObject({ frozen: false });
    expect(await run('INSERT INTO t VALUES (1, null); CREATE TABLE again (id int)')).toMatchObject({ kind: 'ok' });
    expect(await run('SELECT sneak()')).toMatchObject({ kind: 'ok' });
  });
});

describe('storage cap on MariaDB', () => {
  it('refuses writes past the cap with STORAGE_FULL, keeps reads and DROP, and lifts once data is gone', async () => {
    const { sandbox, control, run } = await cappedSandbox('mysql', 'CREATE TABLE t (id int, pad text)', 3);
    expect(
      await run(`CREATE TABLE side (n int);
        CREATE PROCEDURE sneak() INSERT INTO side VALUES (1)`),
    ).toMatchObject({ kind: 'ok' });
    const fill = await run(
      "INSERT INTO t SELECT seq, repeat('x', 500) FROM seq_1_to_12000; INSERT INTO t SELECT * FROM t",
    );
    expect(fill.kind).toBe('ok');
    expect(await control.measure(sandbox.id, sandbox.id)).toMatchObject({ frozen: true });

    expect(codeOf(await run('INSERT INTO t VALUES (1, null)'))).toBe(STORAGE_FULL);
    for (const attempt of ['CREATE TABLE more (id int)', 'UPDATE t SET pad = NULL', 'CALL sneak()']) {
      const out = await run(attempt);
      expect({ attempt, code: codeOf(out) }).toEqual({ attempt, code: STORAGE_FULL });
    }
    expect(await run('SELECT count(*) FROM side')).toMatchObject({ kind: 'ok', results: [{ rows: [['0']] }] });

    expect(await run('DROP TABLE t')).toMatchObject({ kind: 'ok' });
    expect(await control.measure(sandbox.id, sandbox.id)).toMatchObject({ frozen: false });
    expect(await run('CREATE TABLE t2 (id int); INSERT INTO t2 VALUES (1); CALL sneak()')).toMatchObject({
      kind: 'ok',
    });
  });
});

/**
 * Per engine: reads; statements measured at once, among them writes PostgreSQL tags SELECT (CREATE
 * TABLE AS, SELECT INTO) or EXPLAIN (EXPLAIN ANALYZE runs its statement), and a SELECT that returns no
 * rows; a fill past 3 MB, the same fill in a function a SELECT calls, and a read that takes a while.
 */
const sqlOf = {
  postgres: {
    reads: ['SELECT count(*) FROM t', 'SELECT * FROM t; SHOW work_mem', 'WITH x AS (SELECT 1 AS n) SELECT n FROM x'],
    writes: [
      'CREATE TABLE c AS SELECT * FROM t',
      'SELECT * INTO d FROM t',
      'EXPLAIN ANALYZE INSERT INTO t VALUES (2, null)',
    ],
    fill: "INSERT INTO t SELECT g, repeat('x', 500) FROM generate_series(1, 12000) g",
    writer: `CREATE FUNCTION fill() RETURNS int LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO t SELECT g, repeat('x', 500) FROM generate_series(1, 12000) g; RETURN 1; END $$`,
    sleep: 'SELECT pg_sleep(0.05)',
    thaw: 'TRUNCATE t',
  },
  mysql: {
    reads: ['SELECT count(*) FROM t', 'SELECT * FROM t; SHOW TABLES', 'WITH x AS (SELECT 1 AS n) SELECT n FROM x'],
    writes: ['CREATE TABLE c AS SELECT * FROM t', 'SELECT 1 INTO @one', 'DELETE FROM t WHERE id = 2'],
    // InnoDB files grow by whole extents: twice as many rows to be sure to pass 3 MB.
    fill: "INSERT INTO t SELECT seq, repeat('x', 500) FROM seq_1_to_24000",
    // As in the mysql client: a body of several statements needs a DELIMITER of its own.
    writer: `DELIMITER //
CREATE FUNCTION fill() RETURNS int MODIFIES SQL DATA
BEGIN INSERT INTO t SELECT seq, repeat('x', 500) FROM seq_1_to_24000; RETURN 1; END//
DELIMITER ;`,
    sleep: 'SELECT sleep(0.05)',
    thaw: 'DROP TABLE t',
  },
};

describe.each(['postgres', 'mysql'] as const)('storage measures skipped after reads (%s)', (engine) => {
  const sql = sqlOf[engine];

  it('does not measure after a query that only read a sandbox it just measured', async () => {
    const { control, run } = await cappedSandbox(engine, 'CREATE TABLE t (id int, pad text)', 3, 60_000);
    const measure = vi.spyOn(control, 'measure');
    expect(await run('INSERT INTO t VALUES (1, null)')).toMatchObject({ kind: 'ok' });
    expect(measure).toHaveBeenCalledTimes(1);
    for (const read of sql.reads) {
      expect({ read, out: await run(read) }).toMatchObject({ read, out: { kind: 'ok' } });
    }
    expect(measure).toHaveBeenCalledTimes(1);
    for (const [i, write] of sql.writes.entries()) {
      expect({ write, out: await run(write) }).toMatchObject({ write, out: { kind: 'ok' } });
      expect({ write, calls: measure.mock.calls.length }).toEqual({ write, calls: 2 + i });
    }
    // A SQL error is always measured: it may be a write the cap refused.
    expect(await run('SELECT * FROM missing')).toMatchObject({ kind: 'sql-error' });
    expect(measure).toHaveBeenCalledTimes(2 + sql.writes.length);
  });

  it('does not measure a sandbox it has just built or handed over until a query writes', async () => {
    const control = fleet.admins()[engine]?.storage;
    if (!control) throw new Error(`no storage control for ${engine}`);
    const provisioner = new ServerProvisioner({
      fleetId: fleet.fleetId,
      engines: fleet.engines,
      admins: fleet.admins(),
      storageCapBytes: 1024 * MB,
      storageReadBudgetMs: 60_000,
      logger: createLogger({ name: 'test', level: 'silent' }),
    });
    const measure = vi.spyOn(control, 'measure');
    const { sandbox } = await provisioner.ensure({
      sessionId: randomUUID(),
      engine,
      fingerprint: 'f-fresh',
      batches: ['CREATE TABLE t (id int, pad text)'],
    });
    const eng = fleet.engines.get(engine);
    const run = async (on: Sandbox, sql: string) =>
      provisioner.enforceStorage(on, (await eng?.execute(on.target, sql, limits)) as QueryOutcome);
    expect(await run(sandbox, 'SELECT count(*) FROM t')).toMatchObject({ kind: 'ok' });
    expect(measure).toHaveBeenCalledTimes(0);
    expect(await run(sandbox, 'INSERT INTO t VALUES (1, null)')).toMatchObject({ kind: 'ok' });
    expect(measure).toHaveBeenCalledTimes(1);
    // Built by another worker (an exam's pre-warm), claimed here.
    const { sandbox: prewarmed } = await fleet.provisioner.ensure({
      sessionId: randomUUID(),
      engine,
      fingerprint: 'f-fresh',
      batches: ['CREATE TABLE t (id int, pad text)'],
    });
    await provisioner.handOver(prewarmed);
    expect(await run(prewarmed, 'SELECT count(*) FROM t')).toMatchObject({ kind: 'ok' });
    expect(measure).toHaveBeenCalledTimes(1);
  });

  it('still freezes on the write that passes the cap, answers the next STORAGE_FULL, and thaws once data is gone', async () => {
    const { sandbox, control, run } = await cappedSandbox(engine, 'CREATE TABLE t (id int, pad text)', 3, 60_000);
    expect(await run(sql.fill)).toMatchObject({ kind: 'ok' });
    expect(await control.measure(sandbox.id, sandbox.id)).toMatchObject({ frozen: true });
    expect(codeOf(await run('INSERT INTO t VALUES (1, null)'))).toBe(STORAGE_FULL);
    // Frozen, every query is measured, reads too, so the sandbox thaws as soon as data goes.
    const measure = vi.spyOn(control, 'measure');
    expect(await run('SELECT count(*) FROM t')).toMatchObject({ kind: 'ok' });
    expect(await run('SELECT count(*) FROM t')).toMatchObject({ kind: 'ok' });
    expect(measure).toHaveBeenCalledTimes(2);
    expect(await run(sql.thaw)).toMatchObject({ kind: 'ok' });
    expect(await control.measure(sandbox.id, sandbox.id)).toMatchObject({ frozen: false });
    expect(await run('CREATE TABLE t2 (id int); INSERT INTO t2 VALUES (1)')).toMatchObject({ kind: 'ok' });
  });

  it('catches a write hidden in a SELECT once the reads since the last measure have run for the budget', async () => {
    const budgetMs = 500;
    const { sandbox, control, run } = await cappedSandbox(engine, 'CREATE TABLE t (id int, pad text)', 3, budgetMs);
    expect(await run(sql.writer)).toMatchObject({ kind: 'ok' });
    const measure = vi.spyOn(control, 'measure');
    // Tagged SELECT: left unmeasured unless it alone ran for the budget.
    const hidden = await run('SELECT fill()');
    expect(hidden).toMatchObject({ kind: 'ok', results: [{ command: 'SELECT' }] });
    let readMs = Math.max(1, hidden.durationMs);
    while (measure.mock.calls.length === 0) {
      // The budget is reached after at most budgetMs / 50 reads of 50 ms: no endless loop.
      expect(readMs).toBeLessThan(budgetMs);
      readMs += Math.max(1, (await run(sql.sleep)).durationMs);
    }
    expect(readMs).toBeGreaterThanOrEqual(budgetMs);
    expect(await control.measure(sandbox.id, sandbox.id)).toMatchObject({ frozen: true });
    expect(codeOf(await run('INSERT INTO t VALUES (1, null)'))).toBe(STORAGE_FULL);
  });
});
