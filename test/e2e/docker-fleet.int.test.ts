import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { del, get, post } from '../support/client.ts';
import { container, containerApiAvailable, fleetContainers, startContainerFleet } from '../support/containers.ts';
import type { Fleet } from '../support/fleet.ts';
import { LIBRARY_DBML, SHOP_DBML } from '../support/schemas.ts';
import { until } from '../support/until.ts';

const available = await containerApiAvailable();
const TTL_MS = 10_000;

/** The containers of one session (by its label). */
const sessionContainers = async (fleet: Fleet, sessionId: string) =>
  (await fleetContainers(fleet.fleetId)).filter((c) => c.Labels['sqlfleet.session'] === sessionId);

describe.skipIf(!available)('a fleet on container sandboxes (run scripts/podman/setup.sh)', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startContainerFleet({
      workers: 1,
      reaper: true,
      env: {
        SESSION_TTL_MS: String(TTL_MS),
        REAPER_INTERVAL_MS: '1000',
      },
    });
  }, 90_000);
  afterAll(async () => {
    await fleet?.stop();
  }, 90_000);

  it('reports the container API’s circuit as closed in /api/health', async () => {
    const health = await get(fleet.url, '/api/health');
    expect(health.body).toMatchObject({
      status: 'ok',
      sandboxes: { provisioner: 'docker', containerEngine: { state: 'closed', failures: 0 } },
    });
  });

  it('answers SQL Server with ENGINE_UNAVAILABLE where its image is absent and no MSSQL_URL is set', async () => {
    const answer = await post(fleet.url, { engine: 'mssql', query: 'SELECT 1' });
    expect(answer).toMatchObject({ status: 503, body: { error: { code: 'ENGINE_UNAVAILABLE' } } });
  });

  describe.each(['postgres', 'mysql'] as const)('%s', (engine) => {
    it('answers from a labelled container, reuses it, rebuilds it for new DBML, and DELETE removes it', {
      timeout: 90_000,
    }, async () => {
      const first = await post(fleet.url, { engine, dbml: SHOP_DBML, query: 'SELECT name FROM customers ORDER BY id' });
      expect(first.body).toMatchObject({
        success: true,
        sandbox: 'created',
        rows: [{ name: 'Ada' }, { name: 'Grace' }],
      });
      const sessionId = String(first.body.sessionId);
      const made = await sessionContainers(fleet, sessionId);
      expect(made).toHaveLength(1);
      expect(made[0]?.State).toBe('running');
      expect(made[0]?.Labels).toMatchObject({ 'sqlfleet.fleet': fleet.fleetId, 'sqlfleet.engine': engine });

      const again = await post(fleet.url, { engine, sessionId, query: 'SELECT COUNT(*) AS n FROM orders' });
      expect(again.body).toMatchObject({ success: true, sandbox: 'reused' });
      expect((await sessionContainers(fleet, sessionId)).map((c) => c.Id)).toEqual([made[0]?.Id]);

      const library = await post(fleet.url, {
        engine,
        sessionId,
        dbml: LIBRARY_DBML,
        query: 'SELECT title FROM books',
      });
      expect(library.body).toMatchObject({ success: true, sandbox: 'recreated', rows: [{ title: 'Dune' }] });
      const rebuilt = await sessionContainers(fleet, sessionId);
      expect(rebuilt).toHaveLength(1);
      expect(rebuilt[0]?.Id).not.toBe(made[0]?.Id);

      const deleted = await del(fleet.url, `/api/session/${sessionId}`);
      expect(deleted.status).toBeLessThan(300);
      expect(await sessionContainers(fleet, sessionId)).toEqual([]);
    });

    it('starts a container whose engine was killed again on the next query, with the student’s rows', {
      timeout: 90_000,
    }, async () => {
      const first = await post(fleet.url, {
        engine,
        dbml: SHOP_DBML,
        query: "INSERT INTO customers (id, name) VALUES (3, 'Student')",
      });
      expect(first.body).toMatchObject({ success: true });
      const sessionId = String(first.body.sessionId);
      const [made] = await sessionContainers(fleet, sessionId);
      await container(made?.Id ?? '').kill();
      const next = await post(fleet.url, { engine, sessionId, query: 'SELECT name FROM customers ORDER BY id' });
      expect(next.body).toMatchObject({
        success: true,
        sandbox: 'reused',
        rows: [{ name: 'Ada' }, { name: 'Grace' }, { name: 'Student' }],
      });
      const now = await sessionContainers(fleet, sessionId);
      expect(now.map((c) => c.State)).toEqual(['running']);
      expect(now[0]?.Id).toBe(made?.Id);
    });
  });

  it('the reaper removes a container idle past the session TTL', { timeout: 90_000 }, async () => {
    const made = await post(fleet.url, { engine: 'postgres', query: 'SELECT 1 AS one' });
    const sessionId = String(made.body.sessionId);
    expect(await sessionContainers(fleet, sessionId)).toHaveLength(1);
    const left = await until(
      () => sessionContainers(fleet, sessionId),
      (c) => c.length === 0,
      TTL_MS + 30_000,
    );
    expect(left).toEqual([]);
    const gone = await post(fleet.url, { engine: 'postgres', sessionId, query: 'SELECT 1' });
    expect(gone).toMatchObject({ status: 404, body: { error: { code: 'SESSION_NOT_FOUND' } } });
  });
});
