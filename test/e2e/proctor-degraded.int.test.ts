/**
 * The dashboard says when the fleet is degraded: an engine's server not accepting connections,
 * no worker alive, and Redis gone (pushed by the API that is still up). Runs on a Redis server
 * of its own (the machine's shared one is never stopped) and a MySQL address nothing listens on.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fleet, freePort, startFleet } from '../support/fleet.ts';
import { until } from '../support/until.ts';

const OPS = 'ops-secret-for-degraded-tests-9';
let redis: ChildProcess;
let fleet: Fleet;

beforeAll(async () => {
  const [redisPort, closedPort] = [await freePort(), await freePort()];
  redis = spawn('redis-server', ['--port', String(redisPort), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await sleep(300);
  fleet = await startFleet({
    workers: 0,
    env: {
      OPS_TOKEN: OPS,
      DASHBOARD_PUSH_MS: '500',
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      ENGINES: 'postgres,mysql',
      MYSQL_ADMIN_URL: `mysql://root@127.0.0.1:${closedPort}/mysql`,
    },
  });
}, 90_000);
afterAll(async () => {
  await fleet?.stop();
  redis?.kill('SIGKILL');
}, 90_000);

describe('a degraded fleet on the dashboard', () => {
  it('names the engine server down and the missing workers, then Redis gone', async () => {
    const socket = io(`${fleet.url}/proctor`, { auth: { token: OPS }, transports: ['websocket'] });
    const codes: string[][] = [];
    socket.on('dashboard', (snapshot: { degraded: { code: string }[] }) =>
      codes.push(snapshot.degraded.map((d) => d.code)),
    );
    try {
      const last = () => Promise.resolve(codes.at(-1) ?? []);
      const down = await until(last, (c) => c.includes('ENGINE_SERVER_DOWN') && c.includes('NO_WORKER'));
      expect(down).toEqual(expect.arrayContaining(['ENGINE_SERVER_DOWN', 'NO_WORKER']));
      expect(down).not.toContain('REDIS_DOWN');
      const snapshot = (await (
        await fetch(`${fleet.url}/api/proctor/dashboard`, { headers: { authorization: `Bearer ${OPS}` } })
      ).json()) as { degraded: { code: string; message: string }[] };
      expect(snapshot.degraded).toContainEqual({
        code: 'ENGINE_SERVER_DOWN',
        message: 'The mysql server is not accepting connections',
      });
      expect(snapshot.degraded.map((d: { message: string }) => d.message).join()).not.toContain('postgres');

      redis.kill('SIGKILL');
      const gone = await until(last, (c) => c.includes('REDIS_DOWN'));
      expect(gone).toEqual(['REDIS_DOWN']);
    } finally {
      socket.disconnect();
    }
  });
});
