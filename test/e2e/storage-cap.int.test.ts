/**
 * The storage cap as a student meets it through the fleet: the worker answers a query at once and
 * checks the sandbox's size behind it, yet the session's next write is refused with STORAGE_FULL.
 * One worker: the check runs before that worker's next query of the session (a second worker could
 * take the next query while the check is still running, which the README documents).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../support/client.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';

let fleet: Fleet;
beforeAll(async () => {
  // An empty PostgreSQL database takes about 7.5 MB: 16 MB leaves room for a few MB of rows.
  fleet = await startFleet({ workers: 1, env: { SANDBOX_STORAGE_MB: '16' } });
}, 90_000);
afterAll(async () => {
  await fleet?.stop();
}, 90_000);

describe('the storage cap through the fleet', () => {
  it('answers the write that passes the cap, refuses the next with STORAGE_FULL, and lifts it once data is gone', async () => {
    const first = await post(fleet.url, { engine: 'postgres', query: 'CREATE TABLE t (id int, pad text)' });
    expect(first.body).toMatchObject({ success: true });
    const { sessionId } = first.body;
    const ask = (query: string) => post(fleet.url, { engine: 'postgres', sessionId, query });

    const fill = await ask("INSERT INTO t SELECT g, repeat('x', 1000) FROM generate_series(1, 12000) g");
    expect(fill.body).toMatchObject({ success: true });
    const refused = await ask("INSERT INTO t VALUES (0, 'one more')");
    expect(refused.body).toMatchObject({ success: false, error: { code: 'STORAGE_FULL' } });
    const read = await ask('SELECT count(*) AS n FROM t');
    expect(read.body).toMatchObject({ success: true, rows: [{ n: '12000' }] });

    expect((await ask('TRUNCATE t')).body).toMatchObject({ success: true });
    const again = await ask("INSERT INTO t VALUES (1, 'fits again')");
    expect(again.body).toMatchObject({ success: true });
  });
});
