import type { QueryOutcome, ResultSet } from '@sqlfleet/contracts';
import { describe, expect, it } from 'vitest';
import type { Sandbox } from '../provisioner.ts';
import { MeasureSchedule, readsOnly } from './measure-schedule.ts';

const rows = (command: string | undefined): ResultSet => ({
  columns: [{ name: 'n', type: 'int4' }],
  rows: [[1]],
  rowCount: 1,
  truncated: false,
  ...(command === undefined ? {} : { command }),
});
const noRows = (command: string): ResultSet => ({ columns: [], rows: [], rowCount: 1, truncated: false, command });
const ok = (results: ResultSet[], durationMs = 1): QueryOutcome => ({ kind: 'ok', results, durationMs });
const sandbox = { id: 'tx_s1', engine: 'postgres' } as Sandbox;

describe('readsOnly', () => {
  it.each([
    ['a SELECT', ok([rows('SELECT')]), true],
    ['SHOW, DESCRIBE, VALUES, WITH', ok([rows('SHOW'), rows('DESCRIBE'), rows('VALUES'), rows('WITH')]), true],
    ['an INSERT among reads', ok([rows('SELECT'), noRows('INSERT')]), false],
    ['INSERT … RETURNING', ok([rows('INSERT')]), false],
    // PostgreSQL's tag for CREATE TABLE … AS SELECT and SELECT … INTO t.
    ['a SELECT with no columns', ok([noRows('SELECT')]), false],
    ['EXPLAIN (ANALYZE runs the statement)', ok([rows('EXPLAIN')]), false],
    ['a result cut at the row cap (no tag)', ok([rows(undefined)]), false],
    ['BEGIN, SET, CALL, DO', ok([noRows('BEGIN')]), false],
    ['no statement at all', ok([]), false],
    ['a rerun whose earlier run committed', { ...ok([]), earlierRun: 'committed' as const }, false],
    [
      'a SQL error after reads',
      {
        kind: 'sql-error' as const,
        results: [rows('SELECT')],
        error: { code: '42501', message: 'denied', statementIndex: 1 },
        durationMs: 1,
      },
      false,
    ],
    [
      'a timeout',
      {
        kind: 'timeout' as const,
        results: [],
        error: { code: 'QUERY_TIMEOUT', message: 'late', statementIndex: 0 },
        durationMs: 5000,
      },
      false,
    ],
  ])('%s: %j', (_what, outcome, expected) => {
    expect(readsOnly(outcome)).toBe(expected);
  });
});

describe('MeasureSchedule', () => {
  it('measures a sandbox it has not measured, then reads only once their running time reaches the budget', () => {
    const schedule = new MeasureSchedule({ readBudgetMs: 100 });
    expect(schedule.due(sandbox, ok([rows('SELECT')]))).toBe(true);
    schedule.measured(sandbox, false);
    expect(schedule.due(sandbox, ok([rows('SELECT')], 60))).toBe(false);
    expect(schedule.due(sandbox, ok([rows('SELECT')], 39))).toBe(false);
    expect(schedule.due(sandbox, ok([rows('SELECT')], 1))).toBe(true);
    schedule.measured(sandbox, false);
    expect(schedule.due(sandbox, ok([rows('SELECT')], 99))).toBe(false);
  });

  it('counts at least 1 ms a read, so reads too short to time cannot write unmeasured forever', () => {
    const schedule = new MeasureSchedule({ readBudgetMs: 3 });
    schedule.measured(sandbox, false);
    const due = [0, 0, 0].map(() => schedule.due(sandbox, ok([rows('SELECT')], 0)));
    expect(due).toEqual([false, false, true]);
  });

  it('measures after any query that may write, and after every query while frozen', () => {
    const schedule = new MeasureSchedule({ readBudgetMs: 1_000 });
    schedule.measured(sandbox, false);
    expect(schedule.due(sandbox, ok([noRows('INSERT')]))).toBe(true);
    schedule.measured(sandbox, true);
    expect(schedule.due(sandbox, ok([rows('SELECT')]))).toBe(true);
    expect(schedule.due(sandbox, ok([rows('SELECT')]))).toBe(true);
  });

  it('measures again after forget (a failed measure, a removed sandbox), and keys sandboxes by engine', () => {
    const schedule = new MeasureSchedule({ readBudgetMs: 1_000 });
    schedule.measured(sandbox, false);
    expect(schedule.due({ ...sandbox, engine: 'mysql' }, ok([rows('SELECT')]))).toBe(true);
    schedule.forget(sandbox);
    expect(schedule.due(sandbox, ok([rows('SELECT')]))).toBe(true);
  });

  it('measures after every query with a budget of 0', () => {
    const schedule = new MeasureSchedule({ readBudgetMs: 0 });
    schedule.measured(sandbox, false);
    expect(schedule.due(sandbox, ok([rows('SELECT')]))).toBe(true);
  });

  it('forgets the least recently used sandbox past its bound, which is then measured again', () => {
    const schedule = new MeasureSchedule({ readBudgetMs: 1_000, max: 2 });
    const other = (id: string) => ({ ...sandbox, id });
    schedule.measured(sandbox, false);
    schedule.measured(other('b'), false);
    schedule.measured(other('c'), false);
    expect(schedule.due(other('c'), ok([rows('SELECT')]))).toBe(false);
    expect(schedule.due(sandbox, ok([rows('SELECT')]))).toBe(true);
  });
});
