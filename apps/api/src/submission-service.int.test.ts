import { randomUUID } from 'node:crypto';
import { createLogger, loadConfig } from '@sqlfleet/core';
import { SchemaCompiler } from '@sqlfleet/dbml';
import { DrainQueues, FleetKeys, Mailbox, mailboxOptions } from '@sqlfleet/queue';
import { SessionStore } from '@sqlfleet/sandbox';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.ts';
import { SubmissionService } from './submission-service.ts';

const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const keys = new FleetKeys(`t${randomUUID().slice(0, 8)}`);
const queues = new DrainQueues(redis, keys);
const sessions = new SessionStore(redis, keys, 60_000);
const mailbox = new Mailbox(redis, keys, queues, mailboxOptions(loadConfig({})));
const limits = loadConfig({ MAX_PENDING_PER_SESSION: '2', MAX_BACKLOG: '5', MAX_SESSIONS_PER_CLIENT: '10' }).limits;
const compiler = new SchemaCompiler();
const service = new SubmissionService({
  sessions,
  compiler,
  mailbox,
  rateLimiter: new RateLimiter(redis, keys, 0),
  available: new Set(['postgres', 'mysql']),
  limits,
  logger: createLogger({ name: 'test', level: 'silent' }),
});
afterAll(async () => {
  await compiler.close();
  for (const [, queue] of queues.entries()) await queue.obliterate({ force: true });
  await queues.close();
  const leftovers = await redis.keys(`${keys.fleetId}:*`);
  if (leftovers.length > 0) await redis.del(...leftovers);
  redis.disconnect();
});

/** Queries of the fleet not finished yet, as the backlog ceiling counts them (by engine). */
const backlog = async () =>
  (await redis.hvals(keys.backlogByEngine)).reduce((sum, n) => sum + Math.max(0, Number(n)), 0);

const request = (extra: Record<string, unknown> = {}) =>
  ({ engine: 'postgres', query: 'SELECT 1', wait: false, ...extra }) as Parameters<SubmissionService['submit']>[0];

// No worker runs here: everything submitted stays waiting, which is what the ceilings count.
describe('SubmissionService ceilings (no worker draining)', () => {
  it('caps the queries one session may have waiting', async () => {
    const { sessionId } = await service.submit(request(), 'client-a');
    await service.submit(request({ sessionId }), 'client-a');
    await expect(service.submit(request({ sessionId }), 'client-a')).rejects.toMatchObject({
      code: 'SESSION_BUSY',
      status: 429,
    });
    expect(await mailbox.pending(sessionId)).toBe(2);
  });

  it('sheds load past the fleet’s backlog ceiling, keeping what it accepted', async () => {
    while ((await backlog()) < limits.backlog) await service.submit(request(), 'client-b');
    await expect(service.submit(request(), 'client-c')).rejects.toMatchObject({ code: 'QUEUE_FULL', status: 503 });
    expect(await backlog()).toBe(limits.backlog);
  });

  it('refuses an engine this deployment does not offer', async () => {
    await expect(service.submit(request({ engine: 'mssql' }), 'client-d')).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      details: { available: ['postgres', 'mysql'] },
    });
  });
});

describe('SubmissionService new sessions', () => {
  const roomy = loadConfig({ MAX_BACKLOG: '100', MAX_SESSIONS_PER_CLIENT: '3' }).limits;
  const students = new SubmissionService({
    sessions,
    compiler,
    mailbox,
    rateLimiter: new RateLimiter(redis, keys, 0),
    available: new Set(['postgres']),
    limits: roomy,
    logger: createLogger({ name: 'test', level: 'silent' }),
  });

  it('holds a client to its live sessions ceiling when its first queries come at once', async () => {
    const settled = await Promise.allSettled(
      Array.from({ length: 10 }, () => students.submit(request(), 'client-many')),
    );
    const refused = settled.filter((s) => s.status === 'rejected').map((s) => (s.reason as { code: string }).code);
    expect(refused).toEqual(Array(7).fill('TOO_MANY_SESSIONS'));
    const created = await redis.smembers(keys.clientSessions('client-many'));
    expect(created).toHaveLength(3);
    for (const id of created) expect(await sessions.get(id)).toMatchObject({ id, clientId: 'client-many' });
  });

  it('leaves no session behind for a first query it refuses', async () => {
    const requestId = randomUUID();
    await students.submit(request({ requestId }), 'client-first');
    await expect(students.submit(request({ requestId }), 'client-second')).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(await redis.scard(keys.clientSessions('client-second'))).toBe(0);
  });
});

describe('SubmissionService schemas', () => {
  const fleet = new FleetKeys(`t${randomUUID().slice(0, 8)}`);
  const fleetQueues = new DrainQueues(redis, fleet);
  let compiles = 0;
  const students = new SubmissionService({
    sessions: new SessionStore(redis, fleet, 60_000),
    compiler: {
      compile: (input) => {
        compiles++;
        return compiler.compile(input);
      },
    } as SchemaCompiler,
    mailbox: new Mailbox(redis, fleet, fleetQueues, mailboxOptions(loadConfig({}))),
    rateLimiter: new RateLimiter(redis, fleet, 0),
    available: new Set(['postgres']),
    limits: loadConfig({}).limits,
    logger: createLogger({ name: 'test', level: 'silent' }),
  });
  afterAll(async () => {
    for (const [, queue] of fleetQueues.entries()) await queue.obliterate({ force: true });
    await fleetQueues.close();
    const leftovers = await redis.keys(`${fleet.fleetId}:*`);
    if (leftovers.length > 0) await redis.del(...leftovers);
  });

  it('checks a schema once when a room of new sessions sends it at once, and refuses a bad one to each', async () => {
    const dbml = `Table t_${randomUUID().slice(0, 8)} { id int [pk] }`;
    const room = await Promise.all(
      Array.from({ length: 30 }, (_, i) => students.submit(request({ dbml }), `student-${i}`)),
    );
    expect(new Set(room.map((s) => s.sessionId)).size).toBe(30);
    expect(compiles).toBe(1);
    const bad = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => students.submit(request({ dbml: 'Table {' }), `student-${i}`)),
    );
    expect(bad.map((r) => r.status === 'rejected' && (r.reason as { code: string }).code)).toEqual(
      Array(5).fill('DBML_INVALID'),
    );
    expect(compiles).toBe(2);
  });
});
