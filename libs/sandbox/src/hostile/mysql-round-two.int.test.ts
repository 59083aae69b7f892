import { randomUUID } from 'node:crypto';
import type { SandboxTarget } from '@sqlfleet/contracts';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostileFixture, hostileFixture } from './hostile-fixture.ts';

/**
 * Issue 10 item 8, round two on MariaDB: what a determined student tries beyond reading files.
 * Each attempt fails or is harmless, shown by its effect on the server and on the neighbour.
 * (Catching the cancel in a CONTINUE HANDLER loop and SET PASSWORD before a runaway: runaway.int.test.ts.)
 */
let f: HostileFixture;
/** mysql2 connection options of a target (it warns about the `engine` field). */
const loginOf = ({ host, port, user, password, database }: SandboxTarget) => ({ host, port, user, password, database });

const root = mysql.createPool({ host: '127.0.0.1', user: 'root', connectionLimit: 2 });

beforeAll(async () => {
  f = await hostileFixture('mysql');
});
afterAll(async () => {
  await f.close();
  await root.end();
});

/** Polled for a while: a killed connection's locks go when the server has closed it. */
async function eventually<T>(probe: () => Promise<T>, expected: T): Promise<T> {
  for (let i = 0; i < 50; i++) {
    const value = await probe();
    if (JSON.stringify(value) === JSON.stringify(expected)) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return probe();
}

const rootRows = async (sql: string, params: unknown[] = []) => (await root.query<RowDataPacket[]>(sql, params))[0];
const neighbourAnswers = async () =>
  expect(await f.run('SELECT secret FROM items', f.neighbour.target)).toMatchObject({
    kind: 'ok',
    results: [{ rows: [['neighbour-secret']] }],
  });

describe('hostile SQL on a MariaDB sandbox, round two', () => {
  it('leaves no prepared XA transaction behind to hold locks and block its DROP DATABASE', async () => {
    const out = await f.run("XA START 'left'; INSERT INTO f VALUES ('x'); XA END 'left'; XA PREPARE 'left'");
    expect(out).toMatchObject({ kind: 'ok' });
    expect(await rootRows('XA RECOVER')).toEqual([]);
    expect(await f.run('SELECT COUNT(*) FROM f')).toMatchObject({ kind: 'ok', results: [{ rows: [['0']] }] });
  });

  it('leaves no prepared XA transaction behind made by dynamic SQL, in a procedure called later, or in a version comment', async () => {
    const made = await f.run(
      "DELIMITER $$\nCREATE PROCEDURE hidden() BEGIN EXECUTE IMMEDIATE CONCAT('X', 'A START ''hidden''');\n" +
        "INSERT INTO f VALUES ('h'); EXECUTE IMMEDIATE CONCAT('X', 'A END ''hidden''');\n" +
        "EXECUTE IMMEDIATE CONCAT('X', 'A PREPARE ''hidden'''); END$$\nDELIMITER ;",
    );
    expect(made).toMatchObject({ kind: 'ok' });
    // The script names neither XA nor EXECUTE.
    expect(await f.run('CALL hidden()')).toMatchObject({ kind: 'ok' });
    expect(await rootRows('XA RECOVER')).toEqual([]);
    const versioned = await f.run(
      "/*!50000XA START 'v'*/; INSERT INTO f VALUES ('v'); /*!50000XA END 'v'*/; /*!50000XA PREPARE 'v'*/",
    );
    expect(versioned).toMatchObject({ kind: 'ok' });
    expect(await rootRows('XA RECOVER')).toEqual([]);
    expect(await f.run('SELECT COUNT(*) FROM f')).toMatchObject({ kind: 'ok', results: [{ rows: [['0']] }] });
  });

  it('leaves no prepared XA transaction behind when the script ends at its time limit', async () => {
    const out = await f.run(
      "XA START 'late'; INSERT INTO f VALUES ('y'); XA END 'late'; XA PREPARE 'late'; DO SLEEP(60)",
      undefined,
      1_000,
    );
    expect(out, JSON.stringify(out)).toMatchObject({ kind: 'timeout' });
    // The killed connection's transaction is detached; the next script on the server rolls it back.
    expect(await f.run('SELECT 1')).toMatchObject({ kind: 'ok' });
    expect(await rootRows('XA RECOVER')).toEqual([]);
  });

  it('cannot keep its sandbox from being destroyed with a prepared XA transaction on a dropped connection', {
    timeout: 30_000,
  }, async () => {
    const spec = {
      sessionId: randomUUID(),
      engine: 'mysql' as const,
      fingerprint: 'hostile',
      batches: ['CREATE TABLE t (n int)'],
    };
    const { sandbox } = await f.fleet.provisioner.ensure(spec);
    const student = await mysql.createConnection(loginOf(sandbox.target));
    await student.query("XA START 'stuck'");
    await student.query('INSERT INTO t VALUES (1)');
    await student.query("XA END 'stuck'");
    await student.query("XA PREPARE 'stuck'");
    student.destroy();
    await f.fleet.provisioner.destroy({ id: sandbox.id, engine: 'mysql', sessionId: spec.sessionId });
    expect(
      await rootRows('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [sandbox.id]),
    ).toEqual([]);
    expect(await rootRows('XA RECOVER')).toEqual([]);
  });

  it("cannot commit another session's prepared XA transaction", async () => {
    const victim = await mysql.createConnection(loginOf(f.neighbour.target));
    try {
      await victim.query("XA START 'victim'");
      await victim.query("INSERT INTO items VALUES (7, 'half-done')");
      await victim.query("XA END 'victim'");
      await victim.query("XA PREPARE 'victim'");
      expect(await f.run("XA COMMIT 'victim'")).toMatchObject({ kind: 'sql-error' });
      await victim.query("XA ROLLBACK 'victim'");
    } finally {
      await victim.end();
    }
    await neighbourAnswers();
    expect(await f.run('SELECT COUNT(*) FROM items', f.neighbour.target)).toMatchObject({
      results: [{ rows: [['1']] }],
    });
  });

  it('releases its user-level locks (GET_LOCK) with the script', async () => {
    expect(await f.run("SELECT GET_LOCK('mine', 0)")).toMatchObject({ kind: 'ok', results: [{ rows: [[1]] }] });
    expect(await rootRows("SELECT IS_FREE_LOCK('mine') AS free")).toEqual([{ free: 1 }]);
  });

  it("cannot take another sandbox's provisioning lock, even knowing the sandbox's name", async () => {
    // GET_LOCK names are server-wide and any login may take any name; the provisioner's are keyed with a
    // secret the student cannot read, so a lock named after the neighbour's sandbox is only the student's own.
    const holding = f.run(`SELECT GET_LOCK('${f.neighbour.id}', 0); DO SLEEP(60)`, undefined, 5_000);
    const held = async () => Number((await rootRows('SELECT IS_USED_LOCK(?) AS id', [f.neighbour.id]))[0]?.id ?? 0) > 0;
    expect(await eventually(held, true)).toBe(true);
    const again = await f.fleet.provisioner.ensure(
      { sessionId: f.neighbour.sessionId, engine: 'mysql', fingerprint: 'hostile', batches: [] },
      f.neighbour,
    );
    expect(again.state).toBe('reused');
    expect(await holding).toMatchObject({ kind: 'timeout' });
  });

  it('cannot raise its own limits for later sessions with ALTER USER', async () => {
    const me = `'${f.attacker.target.user}'@'%'`;
    const out = await f.run(`ALTER USER ${me} WITH MAX_USER_CONNECTIONS 1000 MAX_STATEMENT_TIME 0`);
    expect(out).toMatchObject({ kind: 'sql-error' });
    const [row] = await rootRows(
      "SELECT max_user_connections, max_statement_time FROM mysql.user WHERE User = ? AND Host = '%'",
      [f.attacker.target.user],
    );
    expect(Number(row?.max_statement_time)).toBe(0);
    expect(Number(row?.max_user_connections)).toBeLessThan(1000);
  });

  it('cannot kill the admin’s or the watchdog’s threads', async () => {
    const admin = await root.getConnection();
    try {
      expect(await f.run(`KILL ${admin.threadId}`)).toMatchObject({ kind: 'sql-error', error: { code: '1095' } });
      const [rows] = await admin.query<RowDataPacket[]>('SELECT 1 AS alive');
      expect(rows).toEqual([{ alive: 1 }]);
    } finally {
      admin.release();
    }
  });

  it('changing its own password locks nobody out: the next ensure gives the login a new one', async () => {
    expect(await f.run("SET PASSWORD = PASSWORD('chosen-by-student')")).toMatchObject({ kind: 'ok' });
    const spec = { sessionId: f.attacker.sessionId, engine: 'mysql' as const, fingerprint: 'hostile', batches: [] };
    const { sandbox, state } = await f.fleet.provisioner.ensure(spec, f.attacker);
    expect(state).toBe('reused');
    expect(sandbox.target.password).not.toBe('chosen-by-student');
    expect(await f.run('SELECT COUNT(*) FROM items', sandbox.target)).toMatchObject({ kind: 'ok' });
  });

  it('leaves the neighbour answering with its data after every attack', neighbourAnswers);
});
