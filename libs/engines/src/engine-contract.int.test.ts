import type mysql from 'mysql2/promise';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Engine } from './engine.ts';
import type { EngineOptions } from './engine-options.ts';
import { MysqlEngine } from './mysql/mysql-engine.ts';
import { PostgresEngine } from './postgres/postgres-engine.ts';
import { limits } from './test-support/limits.ts';
import { createMysqlSandbox } from './test-support/mysql-sandbox.ts';
import { createPostgresSandbox } from './test-support/postgres-sandbox.ts';
import { type Sandbox, sandboxFor } from './test-support/sandbox.ts';
import { waitFor } from './test-support/wait-for.ts';

/** What differs between the engines in cases that otherwise mean the same for each. */
interface EngineCase {
  name: string;
  engine: (options?: EngineOptions) => Engine;
  /** Connections the sandbox login holds on the server now. */
  connections: (admin: unknown, login: string) => Promise<number>;
  sandbox: () => Promise<Sandbox<unknown>>;
  /** The type name an `int` column reports. */
  intType: string;
  /** A table expression of `n` rows. */
  rows: (n: number) => string;
  /** What applySchema throws when its second batch creates a table that exists already. */
  schemaError: RegExp;
}

const ENGINES: EngineCase[] = [
  {
    name: 'PostgresEngine',
    engine: (options) => new PostgresEngine(options),
    connections: async (admin, login) => {
      const { rows } = await (admin as pg.Client).query(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1',
        [login],
      );
      return rows[0].n;
    },
    sandbox: createPostgresSandbox,
    intType: 'int4',
    rows: (n) => `generate_series(1, ${n})`,
    schemaError: /batch 2 of 2.*relation "item" already exists/,
  },
  {
    name: 'MysqlEngine',
    engine: (options) => new MysqlEngine(options),
    connections: async (admin, login) => {
      const [rows] = await (admin as mysql.Connection).query<mysql.RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?',
        [login],
      );
      return Number(rows[0]?.n);
    },
    sandbox: createMysqlSandbox,
    intType: 'INT',
    rows: (n) => `seq_1_to_${n}`,
    schemaError: /batch 2 of 2.*'item' already exists/,
  },
];

describe.each(ENGINES)('$name', (c) => {
  const engine = c.engine();
  const db = sandboxFor(engine, c.sandbox, [
    "CREATE TABLE item (id int PRIMARY KEY, name text); INSERT INTO item VALUES (1, 'a;b'), (2, NULL)",
  ]);

  it('runs a multi-statement script and returns each result in order', async () => {
    const out = await engine.execute(
      db.target,
      `CREATE TABLE t (a int); INSERT INTO t VALUES (1), (2), (3);
       UPDATE t SET a = a * 10 WHERE a > 1; SELECT a FROM t ORDER BY a; SELECT name FROM item ORDER BY id`,
      limits(),
    );
    expect(out.kind).toBe('ok');
    expect(out.results.map((r) => [r.command, r.rowCount])).toEqual([
      ['CREATE TABLE', 0],
      ['INSERT', 3],
      ['UPDATE', 2],
      ['SELECT', 3],
      ['SELECT', 2],
    ]);
    expect(out.results[3]).toMatchObject({ columns: [{ name: 'a', type: c.intType }], rows: [[1], [20], [30]] });
    expect(out.results[4]?.rows).toEqual([['a;b'], [null]]);
  });

  it('stops at the byte cap, shared by the whole script', async () => {
    const out = await engine.execute(
      db.target,
      `SELECT repeat('x', 100) FROM ${c.rows(100)}; SELECT 1`,
      limits({ maxBytes: 1_000 }),
    );
    expect(out.kind).toBe('ok');
    const [first, second] = out.results;
    expect(first?.truncated).toBe(true);
    expect(JSON.stringify(first?.rows).length).toBeLessThanOrEqual(1_000);
    expect(first?.rows.length).toBeGreaterThan(0);
    expect(second).toMatchObject({ rows: [[1]], truncated: false });
  });

  it('throws from applySchema with the engine message', async () => {
    await expect(engine.applySchema(db.target, ['SELECT 1', 'CREATE TABLE item (id int)'])).rejects.toThrow(
      c.schemaError,
    );
  });

  it('answers ping and can release and reopen a target', async () => {
    await engine.ping(db.target);
    await engine.release(db.target);
    await engine.release(db.target);
    expect((await engine.execute(db.target, 'SELECT 1', limits())).kind).toBe('ok');
  });
});

describe.each(ENGINES)('$name with many sessions', (c) => {
  // A live session must not hold server connections between its queries: a shared server allows
  // ~100 in all, and an exam room has hundreds of sessions (found by `npm run bench`).
  const engine = c.engine({ idleTimeoutMs: 300 });
  const db = sandboxFor(engine, c.sandbox, []);

  it('gives a sandbox’s connections back to the server once idle', async () => {
    expect((await engine.execute(db.target, 'SELECT 1', limits())).kind).toBe('ok');
    expect(await c.connections(db.admin, db.target.user)).toBeGreaterThan(0);
    await waitFor(async () => (await c.connections(db.admin, db.target.user)) === 0, 5_000);
    expect((await engine.execute(db.target, 'SELECT 2', limits())).kind).toBe('ok');
  });
});
