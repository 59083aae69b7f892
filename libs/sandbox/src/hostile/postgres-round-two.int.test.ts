import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostileFixture, hostileFixture } from './hostile-fixture.ts';

/**
 * Issue 10 item 8, round two on PostgreSQL: what a determined student tries beyond reading files.
 * Each attempt fails or is harmless, shown by its effect on the server and on the neighbour.
 * (Catching the cancel in PL/pgSQL and shadowing pg_cancel_backend: runaway.int.test.ts.)
 */
let f: HostileFixture;
const admin = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres', max: 2 });
admin.on('error', () => undefined);

beforeAll(async () => {
  f = await hostileFixture('postgres');
});
afterAll(async () => {
  await f.close();
  await admin.end();
});

const adminRows = async (sql: string, params: unknown[] = []) => (await admin.query(sql, params)).rows;
/** What the server runs for the attacker's login, polled for a while: a runaway stays listed. */
async function attackerRunning(): Promise<unknown[]> {
  const look = () =>
    adminRows("SELECT pid, query FROM pg_stat_activity WHERE usename = $1 AND state <> 'idle'", [
      f.attacker.target.user,
    ]);
  for (let i = 0; i < 50; i++) {
    const rows = await look();
    if (rows.length === 0) return rows;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return look();
}

describe('hostile SQL on a PostgreSQL sandbox, round two', () => {
  it('raising its own role’s and database’s settings for later sessions does not lift the time limit', async () => {
    for (const sql of [
      'ALTER ROLE CURRENT_USER SET statement_timeout = 0',
      `ALTER DATABASE ${f.attacker.id} SET statement_timeout = 0`,
      'ALTER ROLE CURRENT_USER SET idle_in_transaction_session_timeout = 0',
    ]) {
      expect(await f.run(sql), sql).toMatchObject({ kind: 'ok' });
    }
    // A new connection picks the settings up: release the pool so the next script opens one.
    await f.fleet.engines.get('postgres')?.release(f.attacker.target);
    const out = await f.run('SELECT pg_sleep(30)', undefined, 1_000);
    expect(out).toMatchObject({ kind: 'timeout', error: { code: 'QUERY_TIMEOUT' } });
    expect(await attackerRunning()).toEqual([]);
  });

  it('cannot raise the settings that bound the server for later sessions', async () => {
    for (const sql of [
      'ALTER ROLE CURRENT_USER SET temp_file_limit = -1',
      'ALTER ROLE CURRENT_USER SET log_statement = none',
      'ALTER ROLE CURRENT_USER SET session_preload_libraries = auto_explain',
    ]) {
      expect(await f.run(sql), sql).toMatchObject({ kind: 'sql-error', error: { code: '42501' } });
    }
  });

  it('cannot prepare a transaction that would outlive its session', async () => {
    const out = await f.run("BEGIN; INSERT INTO f VALUES ('x'); PREPARE TRANSACTION 'left'");
    expect(out).toMatchObject({ kind: 'sql-error' });
    expect(await adminRows('SELECT gid FROM pg_prepared_xacts WHERE database = $1', [f.attacker.id])).toEqual([]);
    expect(await f.run('SELECT count(*) FROM f')).toMatchObject({ results: [{ rows: [['0']] }] });
  });

  it('holds no advisory lock past its script', async () => {
    await f.run('SELECT pg_advisory_lock(42)');
    const held = await adminRows(
      "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND a.usename = $1",
      [f.attacker.target.user],
    );
    expect(held).toEqual([]);
  });

  it('leaves no LISTEN behind for the next script', async () => {
    await f.run('LISTEN spy');
    expect(await f.run('SELECT count(*) FROM pg_listening_channels()')).toMatchObject({
      kind: 'ok',
      results: [{ rows: [['0']] }],
    });
  });

  it('cannot cancel or end the neighbour’s or the admin’s backends, even knowing their pids', async () => {
    const neighbour = f.run('SELECT pg_sleep(4), 1 AS done', f.neighbour.target);
    const adminClient = await admin.connect();
    try {
      const adminSleep = adminClient.query('SELECT pg_sleep(4), 1 AS done');
      let pids: number[] = [];
      for (let i = 0; i < 60 && pids.length < 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        pids = (
          await adminRows(
            "SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(4), 1 AS done%' AND state = 'active'",
          )
        ).map((r) => r.pid as number);
      }
      expect(pids).toHaveLength(2);
      for (const pid of pids) {
        for (const fn of ['pg_cancel_backend', 'pg_terminate_backend']) {
          const out = await f.run(`SELECT ${fn}(${pid})`);
          expect(out, `${fn}(${pid})`).toMatchObject({ kind: 'sql-error', error: { code: '42501' } });
        }
      }
      expect((await adminSleep).rows).toEqual([{ pg_sleep: '', done: 1 }]);
    } finally {
      adminClient.release();
    }
    expect(await neighbour).toMatchObject({ kind: 'ok', results: [{ rows: [['', 1]] }] });
  });

  it('cannot create an event trigger that would run in other sessions’ DDL', async () => {
    const out = await f.run(
      `CREATE FUNCTION spy() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
       CREATE EVENT TRIGGER spy ON ddl_command_start EXECUTE FUNCTION spy()`,
    );
    expect(out).toMatchObject({ kind: 'sql-error', error: { code: '42501' } });
  });

  it('changing its own password locks nobody out: the next ensure gives the login a new one', async () => {
    expect(await f.run("ALTER ROLE CURRENT_USER PASSWORD 'chosen-by-student'")).toMatchObject({ kind: 'ok' });
    const spec = { sessionId: f.attacker.sessionId, engine: 'postgres' as const, fingerprint: 'hostile', batches: [] };
    const { sandbox, state } = await f.fleet.provisioner.ensure(spec, f.attacker);
    expect(state).toBe('reused');
    expect(await f.run('SELECT count(*) FROM items', sandbox.target)).toMatchObject({ kind: 'ok' });
  });

  it('leaves the neighbour answering with its data after every attack', async () => {
    expect(await f.run('SELECT secret FROM items', f.neighbour.target)).toMatchObject({
      kind: 'ok',
      results: [{ rows: [['neighbour-secret']] }],
    });
  });
});
