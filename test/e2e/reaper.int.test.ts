import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../support/client.ts';
import { fleetFootprint } from '../support/databases.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';
import { until } from '../support/until.ts';

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet({ workers: 1, reaper: true, env: { SESSION_TTL_MS: '4000', REAPER_INTERVAL_MS: '500' } });
}, 90_000);
afterAll(async () => {
  await fleet?.stop();
}, 90_000);

describe('reaper', () => {
  it('destroys an idle session’s database and login, keeps a busy one, and forgets the session', {
    timeout: 60_000,
  }, async () => {
    const idle = await post(fleet.url, { engine: 'postgres', query: 'SELECT 1' });
    const busy = await post(fleet.url, { engine: 'mysql', query: 'SELECT 1' });
    const made = await fleetFootprint(fleet.fleetId);
    expect(made.pg.length).toBe(1);
    expect(made.mysql.length).toBe(1);

    // Keep the MySQL session in use while the PostgreSQL one goes idle past its TTL.
    const keepBusy = setInterval(
      () => void post(fleet.url, { engine: 'mysql', sessionId: busy.body.sessionId, query: 'SELECT 1' }),
      1000,
    );
    try {
      const after = await until(
        () => fleetFootprint(fleet.fleetId),
        (f) => f.pg.length === 0 && f.pgRoles.length === 0,
      );
      expect(after.pg).toEqual([]);
      expect(after.pgRoles).toEqual([]);
      expect(after.mysql).toEqual(made.mysql);
    } finally {
      clearInterval(keepBusy);
    }
    const gone = await post(fleet.url, { engine: 'postgres', sessionId: idle.body.sessionId, query: 'SELECT 1' });
    expect(gone).toMatchObject({ status: 404, body: { error: { code: 'SESSION_NOT_FOUND' } } });
  });

  it('removes a sandbox whose session vanished from Redis', { timeout: 60_000 }, async () => {
    const made = await post(fleet.url, { engine: 'mysql', query: 'SELECT 1' });
    const before = await fleetFootprint(fleet.fleetId);
    const redis = new Redis('redis://127.0.0.1:6379');
    try {
      // Lose the session the way a Redis failover would, leaving its sandbox behind.
      await redis.del(`${fleet.fleetId}:session:${made.body.sessionId}`);
      await redis.zrem(`${fleet.fleetId}:sessions`, made.body.sessionId);
    } finally {
      redis.disconnect();
    }
    const after = await until(
      () => fleetFootprint(fleet.fleetId),
      (f) => f.mysql.length < before.mysql.length,
      15_000,
    );
    expect(after.mysql.length).toBe(before.mysql.length - 1);
  });
});
