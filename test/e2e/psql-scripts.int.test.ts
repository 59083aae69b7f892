/**
 * Issue 13 end to end: scripts written for psql run through the fleet as psql runs them, where a
 * cut in the wrong place would fail, or worse, silently end a transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../support/client.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet();
}, 90_000);
afterAll(async () => {
  await fleet?.stop();
}, 90_000);

const run = (query: string, sessionId?: string) => post(fleet.url, { engine: 'postgres', sessionId, query });

describe('psql scripts through the fleet', () => {
  it('runs a rule whose actions are separated by ; inside parentheses', async () => {
    const answer = await run(`
CREATE TABLE events (id int, note text);
CREATE TABLE audit (id int, what text);
CREATE RULE log_update AS ON UPDATE TO events DO ALSO (
  INSERT INTO audit VALUES (new.id, 'first');
  INSERT INTO audit VALUES (new.id, 'second')
);
INSERT INTO events VALUES (1, 'a');
UPDATE events SET note = 'b';
SELECT id, what FROM audit ORDER BY what`);
    expect(answer.body.error).toBeUndefined();
    expect(answer.body).toMatchObject({
      success: true,
      rows: [
        { id: 1, what: 'first' },
        { id: 1, what: 'second' },
      ],
    });
  });

  it('creates a BEGIN ATOMIC function inside an open transaction without ending the transaction', async () => {
    const answer = await run(`
BEGIN;
SELECT now()::text AS at;
CREATE TABLE scratch (n int);
CREATE FUNCTION sign_of(x int) RETURNS text LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN x > 0 THEN 'positive' ELSE 'not positive' END;
END;
INSERT INTO scratch VALUES (1);
SELECT sign_of(-2) AS sign, now()::text AS at, (SELECT count(*) FROM scratch)::int AS n;
ROLLBACK`);
    expect(answer.body.error).toBeUndefined();
    expect(answer.body.success).toBe(true);
    const [first] = answer.body.results.find((r) => r.columns.length === 1 && r.rows.length === 1)?.rows ?? [];
    const last = answer.body.results.findLast((r) => r.columns.length === 3);
    expect(last?.rows).toEqual([['not positive', first?.[0], 1]]);

    // Had the body's END gone out alone, it would have committed: the table and function would remain.
    const after = await run(
      "SELECT to_regclass('scratch') IS NULL AS table_gone, to_regprocedure('sign_of(int)') IS NULL AS function_gone",
      answer.body.sessionId,
    );
    expect(after.body).toMatchObject({ success: true, rows: [{ table_gone: true, function_gone: true }] });
  });

  it("reads \\' as a quote in plain strings once the script sets standard_conforming_strings off", async () => {
    const answer = await run(`SET standard_conforming_strings = off;
SELECT 'it\\'s; still one string' AS s;
SELECT 2 AS n`);
    expect(answer.body.error).toBeUndefined();
    expect(answer.body.success).toBe(true);
    expect(answer.body.results.some((r) => r.rows[0]?.[0] === "it's; still one string")).toBe(true);
    expect(answer.body.rows).toEqual([{ n: 2 }]);
  });
});
