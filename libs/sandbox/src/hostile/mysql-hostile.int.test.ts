import { existsSync } from 'node:fs';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostileFixture, hostileFixture } from './hostile-fixture.ts';

/**
 * Hostile SQL a student may send to a MariaDB sandbox. Each must end as a SQL error outcome
 * (LOAD_FILE: a NULL) and leave no trace outside the sandbox.
 */
let f: HostileFixture;
const root = mysql.createPool({ host: '127.0.0.1', user: 'root', connectionLimit: 2 });

beforeAll(async () => {
  f = await hostileFixture('mysql');
});
afterAll(async () => {
  await f.close();
  await root.end();
});

async function refused(sql: string): Promise<void> {
  const out = await f.run(sql);
  expect(out, sql).toMatchObject({ kind: 'sql-error' });
}

async function rowsOf(sql: string): Promise<unknown[][]> {
  const out = await f.run(sql);
  expect(out, sql).toMatchObject({ kind: 'ok' });
  return out.results.at(-1)?.rows ?? [];
}

describe('hostile SQL on a MariaDB sandbox', () => {
  it('cannot LOAD DATA LOCAL INFILE a file of the worker', async () => {
    await refused("LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE f");
    expect(await rowsOf('SELECT count(*) FROM f')).toEqual([['0']]);
  });

  it('cannot LOAD DATA INFILE a file of the server', async () => {
    await refused("LOAD DATA INFILE '/etc/passwd' INTO TABLE f");
    expect(await rowsOf('SELECT count(*) FROM f')).toEqual([['0']]);
  });

  it('reads nothing with LOAD_FILE', async () => {
    const out = await f.run("SELECT LOAD_FILE('/etc/passwd') AS content");
    if (out.kind === 'ok') expect(out.results[0]?.rows).toEqual([[null]]);
    else expect(out.kind).toBe('sql-error');
    expect(JSON.stringify(out)).not.toContain('root:');
  });

  it('cannot write a server file with INTO OUTFILE', async () => {
    const path = f.marker();
    await refused(`SELECT * FROM items INTO OUTFILE '${path}'`);
    expect(existsSync(path)).toBe(false);
  });

  it('cannot write a server file with INTO DUMPFILE', async () => {
    const path = f.marker();
    await refused(`SELECT 'x' INTO DUMPFILE '${path}'`);
    expect(existsSync(path)).toBe(false);
  });

  it('cannot create a database', async () => {
    const name = `${f.fleet.fleetId}_evil`;
    await refused(`CREATE DATABASE ${name}`);
    const [rows] = await root.query<RowDataPacket[]>('SHOW DATABASES LIKE ?', [name]);
    expect(rows).toEqual([]);
  });

  it("cannot create a database whose name its grant's `_` would match as a wildcard", async () => {
    const lookalike = `${f.fleet.fleetId}x${f.attacker.id.slice(f.fleet.fleetId.length + 1)}`;
    await refused(`CREATE DATABASE \`${lookalike}\``);
    const [rows] = await root.query<RowDataPacket[]>('SHOW DATABASES LIKE ?', [lookalike]);
    expect(rows).toEqual([]);
  });

  it('cannot create a user', async () => {
    const name = `${f.fleet.fleetId}_evil`;
    await refused(`CREATE USER '${name}'@'%' IDENTIFIED BY 'x'`);
    const [rows] = await root.query<RowDataPacket[]>('SELECT 1 FROM mysql.user WHERE user = ?', [name]);
    expect(rows).toEqual([]);
  });

  it('cannot grant itself more', async () => {
    await refused(`GRANT ALL PRIVILEGES ON *.* TO '${f.attacker.target.user}'@'%'`);
    await refused(`GRANT FILE ON *.* TO '${f.attacker.target.user}'@'%'`);
  });

  it('cannot change a global setting', async () => {
    const [[before]] = await root.query<RowDataPacket[]>('SELECT @@GLOBAL.max_connections AS v');
    await refused('SET GLOBAL max_connections = 1');
    const [[after]] = await root.query<RowDataPacket[]>('SELECT @@GLOBAL.max_connections AS v');
    expect(after?.v).toBe(before?.v);
  });

  it('cannot read mysql.user', () => refused('SELECT user, authentication_string FROM mysql.user'));

  it("cannot read another sandbox's table", () => refused(`SELECT * FROM \`${f.neighbour.id}\`.items`));

  it("cannot switch to another sandbox's database", () => refused(`USE \`${f.neighbour.id}\``));

  it('sees only its own database in SHOW DATABASES', async () => {
    const names = (await rowsOf('SHOW DATABASES')).map((r) => r[0]);
    expect(names.sort()).toEqual([f.attacker.id, 'information_schema'].sort());
  });

  it('cannot install a plugin', async () => {
    await refused("INSTALL PLUGIN evil SONAME 'ha_evil.so'");
    await refused("INSTALL SONAME 'auth_ed25519'");
  });

  it('cannot create a function from a shared library', () =>
    refused("CREATE FUNCTION evil RETURNS STRING SONAME 'libc.so.6'"));

  it("cannot kill another login's connection", async () => {
    const victim = await root.getConnection();
    try {
      await refused(`KILL ${victim.threadId}`);
      await refused(`KILL QUERY ${victim.threadId}`);
      const [rows] = await victim.query<RowDataPacket[]>('SELECT 1 AS alive');
      expect(rows).toEqual([{ alive: 1 }]);
    } finally {
      victim.release();
    }
  });

  it("cannot see another login's queries in the process list", async () => {
    const rows = await rowsOf('SELECT DISTINCT USER FROM information_schema.PROCESSLIST');
    expect(rows.flat().every((u) => u === f.attacker.target.user)).toBe(true);
  });

  it('cannot schedule an event that would run outside the query time limit', async () => {
    await refused('CREATE EVENT evil ON SCHEDULE EVERY 1 SECOND DO DELETE FROM items');
    const [rows] = await root.query<RowDataPacket[]>('SELECT 1 FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?', [
      f.attacker.id,
    ]);
    expect(rows).toEqual([]);
  });

  it('still answers after every attack', async () => {
    expect(await rowsOf('SELECT secret FROM items')).toEqual([['neighbour-secret']]);
  });
});
