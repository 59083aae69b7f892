import { randomUUID } from 'node:crypto';
import type { QueryOutcome, SandboxTarget } from '@sqlfleet/contracts';
import { AppError, createLogger, type EngineName } from '@sqlfleet/core';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { SandboxSpec } from '../provisioner.ts';
import { ServerProvisioner } from './server-provisioner.ts';
import { testFleet } from './test-fleet.ts';

const fleet = testFleet();
const limits = { timeoutMs: 5_000, maxRows: 100, maxBytes: 1_000_000 };
const pgAdmin = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres', max: 1 });
const myAdmin = mysql.createPool({ host: '127.0.0.1', user: 'root', connectionLimit: 1 });

afterAll(async () => {
  await fleet.close();
  await pgAdmin.end();
  await myAdmin.end();
});

const ITEMS = [
  'CREATE TABLE items (id int PRIMARY KEY, name varchar(20))',
  "INSERT INTO items VALUES (1, 'apple'), (2, 'pear')",
];
const ORDERS = ['CREATE TABLE orders (id int PRIMARY KEY)', 'INSERT INTO orders VALUES (7)'];

const spec = (engine: EngineName, batches = ITEMS, fingerprint = 'items-v1'): SandboxSpec => ({
  sessionId: randomUUID(),
  engine,
  fingerprint,
  batches,
});

function run(target: SandboxTarget, sql: string): Promise<QueryOutcome> {
  const engine = fleet.engines.get(target.engine);
  if (!engine) throw new Error('no engine');
  return engine.execute(target, sql, limits);
}

async function rowsOf(target: SandboxTarget, sql: string): Promise<unknown[][]> {
  const out = await run(target, sql);
  if (out.kind !== 'ok') throw new Error(`${out.kind}: ${JSON.stringify(out.error)}`);
  return out.results.at(-1)?.rows ?? [];
}

async function loginExists(engine: EngineName, login: string): Promise<boolean> {
  if (engine === 'postgres')
    return (await pgAdmin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [login])).rowCount === 1;
  const [rows] = await myAdmin.query<RowDataPacket[]>('SELECT 1 FROM mysql.user WHERE user = ?', [login]);
  return rows.length === 1;
}

async function databaseExists(engine: EngineName, name: string): Promise<boolean> {
  if (engine === 'postgres')
    return (await pgAdmin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  const [rows] = await myAdmin.query<RowDataPacket[]>(
    'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    [name],
  );
  return rows.length === 1;
}

describe.each(['postgres', 'mysql'] as const)('ServerProvisioner on %s', (engine) => {
  const { provisioner } = fleet;

  it('creates a seeded sandbox that its own login queries', async () => {
    const s = spec(engine);
    const { sandbox, state } = await provisioner.ensure(s);
    expect(state).toBe('created');
    expect(sandbox).toMatchObject({
      id: sandbox.target.database,
      provisioner: 'server',
      sessionId: s.sessionId,
      fingerprint: 'items-v1',
    });
    expect(sandbox.target.user).toBe(sandbox.id);
    expect(await rowsOf(sandbox.target, 'SELECT name FROM items ORDER BY id')).toEqual([['apple'], ['pear']]);
  });

  it('reuses the sandbox it is handed, with its password, keeping the data', async () => {
    const s = spec(engine);
    const first = await provisioner.ensure(s);
    await rowsOf(first.sandbox.target, "INSERT INTO items VALUES (3, 'fig')");
    const again = await provisioner.ensure(s, first.sandbox);
    expect(again.state).toBe('reused');
    expect(again.sandbox).toEqual(first.sandbox);
    expect(await rowsOf(again.sandbox.target, 'SELECT count(*) FROM items')).toEqual([['3']]);
  });

  it('reuses a sandbox found without a handle, under a new password', async () => {
    const s = spec(engine);
    const first = await provisioner.ensure(s);
    const again = await provisioner.ensure(s);
    expect(again.state).toBe('reused');
    expect(again.sandbox.target.password).not.toBe(first.sandbox.target.password);
    expect(await rowsOf(again.sandbox.target, 'SELECT count(*) FROM items')).toEqual([['2']]);
  });

  it('rebuilds from the new schema when the fingerprint changes', async () => {
    const s = spec(engine);
    const first = await provisioner.ensure(s);
    const next = await provisioner.ensure({ ...s, fingerprint: 'orders-v1', batches: ORDERS }, first.sandbox);
    expect(next.state).toBe('recreated');
    expect(next.sandbox.fingerprint).toBe('orders-v1');
    expect(await rowsOf(next.sandbox.target, 'SELECT id FROM orders')).toEqual([[7]]);
    expect(await run(next.sandbox.target, 'SELECT * FROM items')).toMatchObject({ kind: 'sql-error' });
  });

  it('says recreated when the sandbox it was handed has disappeared', async () => {
    const s = spec(engine);
    const first = await provisioner.ensure(s);
    await provisioner.destroy({ id: first.sandbox.id, engine });
    const again = await provisioner.ensure(s, first.sandbox);
    expect(again.state).toBe('recreated');
    expect(await rowsOf(again.sandbox.target, 'SELECT name FROM items WHERE id = 1')).toEqual([['apple']]);
  });

  it('records a handed-over sandbox’s new owner once the worker’s query slots free up, not before', async () => {
    let saturated = true;
    const claimer = fleet.secondWorker({ saturated: () => saturated });
    const { sandbox } = await provisioner.ensure(spec(engine));
    const session = randomUUID();
    const ownerOf = async () => (await provisioner.list()).find((ref) => ref.id === sandbox.id)?.sessionId;
    const handing = claimer.handOver({ ...sandbox, sessionId: session });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await ownerOf()).toBe(sandbox.sessionId);
    saturated = false;
    await handing;
    expect(await ownerOf()).toBe(session);
  });

  it('destroys the database and the login; destroying twice is fine; list follows', async () => {
    const s = spec(engine);
    const { sandbox } = await provisioner.ensure(s);
    expect(await provisioner.list()).toContainEqual({ id: sandbox.id, engine, sessionId: s.sessionId });
    await provisioner.destroy({ id: sandbox.id, engine });
    await provisioner.destroy({ id: sandbox.id, engine });
    expect(await databaseExists(engine, sandbox.id)).toBe(false);
    expect(await loginExists(engine, sandbox.id)).toBe(false);
    expect((await provisioner.list()).map((r) => r.id)).not.toContain(sandbox.id);
  });

  it("keeps two sessions with the same schema out of each other's data", async () => {
    const a = (await provisioner.ensure(spec(engine))).sandbox;
    const b = (await provisioner.ensure(spec(engine))).sandbox;
    await rowsOf(a.target, "INSERT INTO items VALUES (9, 'secret')");
    expect(await rowsOf(b.target, 'SELECT count(*) FROM items WHERE id = 9')).toEqual([['0']]);
    const crossDb = engine === 'postgres' ? `SELECT * FROM ${a.id}.public.items` : `SELECT * FROM \`${a.id}\`.items`;
    expect(await run(b.target, crossDb)).toMatchObject({ kind: 'sql-error' });
  });

  it('removes everything and reports the engine message, not to be retried, when the schema fails to apply', async () => {
    const s = spec(engine, ['CREATE TABLE ok (id int)', 'CREATE TABLE broken (id nosuchtype)']);
    const error = await provisioner.ensure(s).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'SCHEMA_REJECTED', retryable: false, status: 422 });
    expect((error as AppError).message).toMatch(/nosuchtype|syntax/i);
    const listed = (await provisioner.list()).filter((r) => r.sessionId === s.sessionId);
    expect(listed).toEqual([]);
  });

  // Regression: admin locks and the work inside them shared one 4-connection pool, so 4+ concurrent
  // ensures (or DELETEs) held every connection and waited for one forever (found by `npm run bench`).
  it('builds and removes a dozen sandboxes at once without starving its admin connections', {
    timeout: 120_000,
  }, async () => {
    const specs = Array.from({ length: 12 }, () => spec(engine));
    const made = await Promise.all(specs.map((s) => provisioner.ensure(s)));
    expect(made.map((m) => m.state)).toEqual(specs.map(() => 'created'));
    expect(await rowsOf(made[11]?.sandbox.target as SandboxTarget, 'SELECT count(*) FROM items')).toEqual([['2']]);
    await Promise.all(
      made.map((m) => provisioner.destroy({ id: m.sandbox.id, engine, sessionId: m.sandbox.sessionId })),
    );
    for (const m of made) expect(await databaseExists(engine, m.sandbox.id)).toBe(false);
  });

  it('builds one sandbox when two workers ensure the same session at once', async () => {
    const s = spec(engine);
    const other = fleet.secondWorker();
    const settled = await Promise.allSettled([provisioner.ensure(s), other.ensure(s)]);
    const made = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    for (const r of settled) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'SANDBOX_FAILED', retryable: true });
    }
    expect(made.length).toBeGreaterThan(0);
    const last = made.at(-1);
    if (!last) throw new Error('unreachable');
    // Whichever answered last holds the live password.
    const newest = made.length === 2 ? (await provisioner.ensure(s, made[1]?.sandbox)).sandbox : last.sandbox;
    expect(await rowsOf(newest.target, 'SELECT count(*) FROM items')).toEqual([['2']]);
    expect((await provisioner.list()).filter((r) => r.sessionId === s.sessionId)).toHaveLength(1);
  });
});

describe('ServerProvisioner on MariaDB', () => {
  it('takes the sandbox back when the student changed its password', async () => {
    const s = spec('mysql');
    const { sandbox } = await fleet.provisioner.ensure(s);
    await rowsOf(sandbox.target, "SET PASSWORD = PASSWORD('mine-now')");
    // The pool's open connections outlive the change: only a new connection sees it.
    await fleet.engines.get('mysql')?.release(sandbox.target);
    const back = await fleet.provisioner.ensure(s, sandbox);
    expect(back.state).toBe('reused');
    expect(back.sandbox.target.password).not.toBe(sandbox.target.password);
    expect(await rowsOf(back.sandbox.target, 'SELECT count(*) FROM items')).toEqual([['2']]);
  });
});

describe('ServerProvisioner without an admin for an engine', () => {
  it('answers ENGINE_UNAVAILABLE', async () => {
    const bare = new ServerProvisioner({
      fleetId: 'tbare',
      engines: fleet.engines,
      admins: {},
      logger: createLogger({ name: 'test', level: 'silent' }),
    });
    await expect(bare.ensure(spec('postgres'))).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
  });
});
