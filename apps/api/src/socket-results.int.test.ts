/**
 * A drain's COMPLETE script writes the result's entry on the Socket.IO adapter's stream itself
 * (libs/queue socket-stream.ts): the API's streams adapter must read it as its own broadcasts, so
 * the session's sockets get `query:result` / `query:failed` and nobody else does. Real Redis, a real
 * Socket.IO server with the API's adapter settings, real clients on loopback.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { ClientToServerEvents, ServerToClientEvents } from '@sqlfleet/contracts';
import { sessionRoom } from '@sqlfleet/contracts';
import { DrainQueues, FleetKeys, Mailbox, type NewJob, SOCKET_STREAM_MAX_LEN } from '@sqlfleet/queue';
import { SessionStore } from '@sqlfleet/sandbox';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const adapterRedis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const keys = new FleetKeys(`t${randomUUID().slice(0, 8)}`);
const queues = new DrainQueues(redis, keys);
const mailbox = new Mailbox(redis, keys, queues, {
  resultTtlMs: 60_000,
  leaseMs: 60_000,
  roomConcurrency: 0,
  roomPriority: 100,
});
const httpServer = createServer();
const server = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
  adapter: createAdapter(adapterRedis, { streamName: keys.socketStream, maxLen: SOCKET_STREAM_MAX_LEN }),
  connectionStateRecovery: { maxDisconnectionDuration: 60_000 },
});
// A socket joins the room of the session it names, as the gateway's `session:watch` does.
server.on('connection', (socket) => void socket.join(sessionRoom(String(socket.handshake.auth.session))));
const clients: Socket<ServerToClientEvents, ClientToServerEvents>[] = [];

beforeAll(async () => {
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  server.of('/').adapter.close();
  await new Promise((resolve) => httpServer.close(resolve));
  for (const [, queue] of queues.entries()) await queue.obliterate({ force: true });
  await queues.close();
  const leftovers = await redis.keys(`${keys.fleetId}:*`);
  if (leftovers.length > 0) await redis.del(...leftovers);
  redis.disconnect();
  adapterRedis.disconnect();
});

/** A student's socket watching `session`, once connected. */
async function watcher(session: string): Promise<Socket<ServerToClientEvents, ClientToServerEvents>> {
  const { port } = httpServer.address() as AddressInfo;
  const client: Socket<ServerToClientEvents, ClientToServerEvents> = connect(`http://127.0.0.1:${port}`, {
    transports: ['websocket'],
    reconnection: false,
    auth: { session },
  });
  clients.push(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('connect_error', reject);
  });
  return client;
}

/** A query of a new session taken by a drain, ready for COMPLETE; sent over a socket unless `socketId` is ''. */
async function running(jobId = randomUUID(), socketId = 'socket-1') {
  const sessionId = randomUUID();
  await redis.hset(keys.session(sessionId), { id: sessionId, engine: 'postgres', fingerprint: 'f' });
  await redis.set(keys.schema('f'), '{}');
  const job = {
    jobId,
    sessionId,
    engine: 'postgres',
    query: 'SELECT 1',
    limits: { timeoutMs: 1000, maxRows: 10, maxBytes: 1000 },
    submittedAt: Date.now(),
    ...(socketId ? { socketId } : {}),
  } satisfies NewJob;
  const checks = { backlog: 1000, pendingPerSession: 100, schemaTtlMs: 60_000 };
  expect((await mailbox.enqueue(job, checks)).accepted).toBe(true);
  const start = await mailbox.begin(sessionId, 'drain');
  if (start.kind !== 'item') throw new Error(`expected an item, got ${start.kind}`);
  return { sessionId, item: start.item, room: start.room };
}

const next = <E extends keyof ServerToClientEvents>(client: Socket<ServerToClientEvents>, event: E) =>
  new Promise<Parameters<ServerToClientEvents[E]>[0]>((resolve) => {
    client.once(event as 'query:result', ((value: unknown) => resolve(value as never)) as never);
  });

describe("results written on the adapter's stream by the drain", () => {
  it('reach the sockets of the session as query:result, exactly as stored, and no other socket', async () => {
    const { sessionId, item, room } = await running();
    const mine = await watcher(sessionId);
    const neighbour = await watcher(randomUUID());
    const seenByNeighbour: unknown[] = [];
    neighbour.on('query:result', (result) => seenByNeighbour.push(result));
    const result = {
      success: true,
      jobId: item.job.jobId,
      sessionId,
      engine: 'postgres',
      sandbox: 'reused',
      results: [{ columns: [{ name: 'say', type: 'text' }], rows: [['it\'s "quoted" \\ / ünï']], rowCount: 1 }],
      rows: [{ say: 'it\'s "quoted" \\ / ünï' }],
      durationMs: 1.5,
    };
    const received = next(mine, 'query:result');
    await mailbox.complete(item, room, { state: 'done', payload: JSON.stringify(result) }, 'drain');
    expect(await received).toEqual(result);
    // The neighbour would have had it by now: the stream is read in order, and a later entry is seen.
    const { sessionId: other, item: otherItem, room: otherRoom } = await running();
    const probe = await watcher(other);
    const later = next(probe, 'query:result');
    await mailbox.complete(otherItem, otherRoom, { state: 'done', payload: '{"success":true}' }, 'drain');
    await later;
    expect(seenByNeighbour).toEqual([]);
  });

  it('reach them as query:failed with the job, the session and the stored failure', async () => {
    // A client's requestId may hold what JSON must escape.
    const { sessionId, item, room } = await running(`req-"${randomUUID()}"`);
    const mine = await watcher(sessionId);
    const failed = next(mine, 'query:failed');
    const error = { code: 'QUERY_CRASHED_WORKER', message: 'This query ended 3 worker processes; it is not run again' };
    await mailbox.complete(item, room, { state: 'failed', payload: JSON.stringify(error) }, 'drain');
    expect(await failed).toEqual({ jobId: item.job.jobId, sessionId, error });
  });

  it('are not written for a session no socket listens to, and are once a socket watches it', async () => {
    const { sessionId, item, room } = await running(randomUUID(), '');
    const before = await redis.xlen(keys.socketStream);
    await mailbox.complete(item, room, { state: 'done', payload: '{"success":true}' }, 'drain');
    expect(await redis.xlen(keys.socketStream)).toBe(before);

    // What the gateway's `session:watch` does: mark the session, then join its room.
    const sessions = new SessionStore(redis, keys, 60_000);
    expect(await sessions.watch(sessionId)).toBe(true);
    const mine = await watcher(sessionId);
    const job = { ...item.job, jobId: randomUUID() };
    expect((await mailbox.enqueue(job, { backlog: 1000, pendingPerSession: 100, schemaTtlMs: 60_000 })).accepted).toBe(
      true,
    );
    const start = await mailbox.begin(sessionId, 'drain');
    if (start.kind !== 'item') throw new Error(`expected an item, got ${start.kind}`);
    const received = next(mine, 'query:result');
    await mailbox.complete(start.item, start.room, { state: 'done', payload: '{"success":true,"n":2}' }, 'drain');
    expect(await received).toEqual({ success: true, n: 2 });
    // A session that no longer exists is not watched (nor brought back as a bare hash).
    const gone = randomUUID();
    expect(await sessions.watch(gone)).toBe(false);
    expect(await redis.exists(keys.session(gone))).toBe(0);
  });
});
