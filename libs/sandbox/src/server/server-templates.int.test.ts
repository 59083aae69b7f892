import { randomBytes, randomUUID } from 'node:crypto';
import type { SandboxTarget } from '@sqlfleet/contracts';
import { createLogger, type EngineName } from '@sqlfleet/core';
import { createEngines } from '@sqlfleet/engines';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { SandboxSpec } from '../provisioner.ts';
import { MysqlServerAdmin } from './mysql-server-admin.ts';
import { PostgresServerAdmin } from './postgres-server-admin.ts';
import { templateName } from './sandbox-names.ts';
import { ServerProvisioner } from './server-provisioner.ts';
import { ServerTemplates } from './server-templates.ts';

const fleetId = `t${randomBytes(5).toString('hex')}`;
const logger = createLogger({ name: 'test', level: 'silent' });
const engines = createEngines(['postgres', 'mysql']);
const admins = { postgres: new PostgresServerAdmin(), mysql: new MysqlServerAdmin() };
const IDLE_MS = 60_000;
const templates = new ServerTemplates({ fleetId, idleMs: IDLE_MS, logger });
const provisioner = new ServerProvisioner({ fleetId, engines, admins, templates, logger });
const pgAdmin = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres', max: 1 });
const myAdmin = mysql.createPool({ host: '127.0.0.1', user: 'root', connectionLimit: 1 });

afterAll(async () => {
  await templates.settled();
  for (const ref of await provisioner.list()) await provisioner.destroy(ref);
  for (const admin of Object.values(admins)) await templates.sweep(admin, Date.now() + 10 * IDLE_MS);
  await provisioner.close();
  await Promise.all([...engines.values()].map((e) => e.close()));
  await pgAdmin.end();
  await myAdmin.end();
});

const ITEMS = [
  'CREATE TABLE items (id int PRIMARY KEY, name varchar(20))',
  "INSERT INTO items VALUES (1, 'apple'), (2, 'pear')",
];
const ORDERS = [
  'CREATE TABLE customers (id int PRIMARY KEY)',
  'CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers (id))',
  'INSERT INTO customers VALUES (1); INSERT INTO orders VALUES (7, 1)',
];
const spec = (engine: EngineName, fingerprint: string, batches: string[]): SandboxSpec => ({
  sessionId: randomUUID(),
  engine,
  fingerprint,
  batches,
});

async function rows(target: SandboxTarget, sql: string): Promise<unknown[][]> {
  const out = await engines.get(target.engine)?.execute(target, sql, { timeoutMs: 5_000, maxRows: 100, maxBytes: 1e6 });
  if (out?.kind !== 'ok') throw new Error(`${out?.kind}: ${JSON.stringify(out && 'error' in out ? out.error : out)}`);
  return out.results.at(-1)?.rows ?? [];
}

/** Writes into the template behind the fleet's back: a sandbox holding the row was copied from it. */
async function markTemplate(engine: EngineName, template: string): Promise<void> {
  if (engine === 'mysql') {
    await myAdmin.query(`INSERT INTO \`${template}\`.items VALUES (99, 'from template')`);
    return;
  }
  await pgAdmin.query(`ALTER DATABASE "${template}" WITH ALLOW_CONNECTIONS true`);
  const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${template}` });
  await client.connect();
  await client.query("INSERT INTO items VALUES (99, 'from template')");
  await client.end();
  await pgAdmin.query(`ALTER DATABASE "${template}" WITH ALLOW_CONNECTIONS false`);
}

async function databaseExists(engine: EngineName, name: string): Promise<boolean> {
  if (engine === 'postgres')
    return (await pgAdmin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  const [found] = await myAdmin.query<RowDataPacket[]>(
    'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    [name],
  );
  return found.length === 1;
}

describe.each(['postgres', 'mysql'] as const)('%s sandboxes from a template', (engine) => {
  const fpItems = `items-${engine}-${randomUUID()}`;
  const fpOrders = `orders-${engine}-${randomUUID()}`;

  it('copies the fingerprint’s template for the next new sandbox, which its login fully owns', async () => {
    const first = await provisioner.ensure(spec(engine, fpItems, ITEMS));
    expect(first.state).toBe('created');
    // The first sandbox of a schema is built from DDL; its template is made beside it.
    await templates.settled();
    const template = templateName(fleetId, fpItems);
    expect(await databaseExists(engine, template)).toBe(true);

    await markTemplate(engine, template);
    const second = await provisioner.ensure(spec(engine, fpItems, ITEMS));
    expect(second.state).toBe('created');
    expect(await rows(second.sandbox.target, 'SELECT id, name FROM items ORDER BY id')).toEqual([
      [1, 'apple'],
      [2, 'pear'],
      [99, 'from template'],
    ]);
    // The copy is the login's own: it may change and drop what it was given, and make more.
    await rows(
      second.sandbox.target,
      "INSERT INTO items VALUES (3, 'fig'); ALTER TABLE items ADD COLUMN note varchar(5); CREATE TABLE mine (x int); DROP TABLE items",
    );
    expect(await rows(first.sandbox.target, 'SELECT COUNT(*) AS n FROM items')).toEqual([['2']]);
  });

  it('keeps the template out of every sandbox login’s reach', async () => {
    const box = await provisioner.ensure(spec(engine, fpItems, ITEMS));
    const template = templateName(fleetId, fpItems);
    if (engine === 'postgres') {
      const client = new pg.Client({ ...box.sandbox.target, database: template });
      client.on('error', () => undefined);
      await expect(client.connect()).rejects.toThrow(/not currently accepting connections|permission denied/);
    } else {
      await expect(rows(box.sandbox.target, `SELECT * FROM \`${template}\`.items`)).rejects.toThrow(/denied/i);
    }
  });

  it('gives another fingerprint its own template, foreign keys and rows included', async () => {
    const box = await provisioner.ensure(spec(engine, fpOrders, ORDERS));
    await templates.settled();
    const again = await provisioner.ensure(spec(engine, fpOrders, ORDERS));
    expect(await databaseExists(engine, templateName(fleetId, fpOrders))).toBe(true);
    expect(templateName(fleetId, fpOrders)).not.toBe(templateName(fleetId, fpItems));
    for (const b of [box, again]) {
      expect(await rows(b.sandbox.target, 'SELECT id, customer_id FROM orders')).toEqual([[7, 1]]);
      await expect(rows(b.sandbox.target, 'INSERT INTO orders VALUES (8, 42)')).rejects.toThrow();
    }
  });

  it('drops templates idle past their time, and builds one again when needed', async () => {
    const template = templateName(fleetId, fpItems);
    const dropped = await templates.sweep(admins[engine], Date.now() + 2 * IDLE_MS);
    expect(dropped).toContain(template);
    expect(await databaseExists(engine, template)).toBe(false);
    const box = await provisioner.ensure(spec(engine, fpItems, ITEMS));
    expect(await rows(box.sandbox.target, 'SELECT COUNT(*) AS n FROM items')).toEqual([['2']]);
    await templates.settled();
    expect(await databaseExists(engine, template)).toBe(true);
  });
});
