import type { Socket } from 'node:net';
import { coalesceWrites, type Logger, type RedisTarget, RepeatFolder } from '@sqlfleet/core';
import { Redis, type RedisOptions } from 'ioredis';

/**
 * A Redis connection to the configured target with an error listener (an unhandled 'error' would
 * crash the process) and `maxRetriesPerRequest: null`, which BullMQ workers require and which makes
 * commands wait for a reconnect instead of failing while Redis restarts or fails over.
 * Connections made from it by `duplicate()` (BullMQ's blocking ones, the Socket.IO adapter's) keep
 * the same target, Sentinel included.
 */
export function connectRedis(target: RedisTarget, logger: Logger, options: RedisOptions = {}): Redis {
  const shared: RedisOptions = {
    maxRetriesPerRequest: null,
    // With Sentinel the ready check also makes sure the server reached is the primary (ROLE in INFO).
    enableReadyCheck: true,
    // 2: reconnect, then send the refused command again (it did not run, so it cannot run twice; a refused
    // command of a MULTI is not sent alone: ioredis drops a transaction's fragments when the connection closes).
    reconnectOnError: (error) => (isDemoted(error) ? 2 : false),
    // A reconnect at least every 0.5 s (ioredis: up to 2 s), so the fleet serves again within half a second of
    // Redis coming back or the sentinels naming the new primary; attempts at a dead address cost nothing.
    retryStrategy: (attempt) => Math.min(attempt * 50, 500),
    ...options,
  };
  const redis =
    target.kind === 'url' ? new Redis(target.url, withPassword(shared, target.password)) : sentinel(target, shared);
  // Commands issued in one tick (several drains', a request's) go out in one write, on every (re)connect.
  redis.on('connect', () => coalesceWrites((redis as unknown as { stream: Socket }).stream));
  // Reconnect attempts repeat the same error, on every connection the process holds: one line per interval.
  const folder = RepeatFolder.of(logger);
  redis.on('error', (error: Error) => folder.warn({ err: error }, 'redis connection error'));
  return redis;
}

function sentinel(target: Extract<RedisTarget, { kind: 'sentinel' }>, options: RedisOptions): Redis {
  return new Redis({
    ...withPassword(options, target.password),
    sentinels: target.sentinels.map(({ host, port }) => ({ host, port })),
    name: target.masterName,
    sentinelPassword: target.sentinelPassword,
    // A sentinel that accepts the connection but never answers (a frozen host) would hold the connect for ever:
    // past this the next sentinel is asked.
    sentinelCommandTimeout: 2_000,
    // Not `failoverDetector`: in ioredis 5.11 a +switch-master that arrives while a connection is still
    // asking the sentinels fails that connect, which leaves the connection ended (status `end`, never
    // reconnected); here it once threw an unhandled rejection that ended the process, and its sentinel
    // subscriptions outlived quit(). Without it, a connection to a primary that died reconnects through
    // the sentinels; one to a primary replaced while up (a switchover) meets NOREPLICAS once the promoted
    // replica has left it, when the data nodes run `min-replicas-to-write` (docs/reliability.md: otherwise
    // its writes until Sentinel demotes it are lost), then READONLY, or Sentinel's CLIENT KILL.
  });
}

function withPassword(options: RedisOptions, password: string | undefined): RedisOptions {
  return password === undefined ? options : { ...options, password };
}

/**
 * A write that reached a server that is no longer the primary to write to: READONLY (demoted to a
 * replica), NOREPLICAS (a primary that lost its replicas and has `min-replicas-to-write`: in a switchover,
 * the old primary once the promoted replica has left it). Reconnecting is the cure: with Sentinel, to the
 * primary the sentinels name now. A fail-fast connection refuses the command meanwhile (503, retryable).
 */
function isDemoted(error: Error): boolean {
  return /^(READONLY|NOREPLICAS) /.test(error.message);
}

/**
 * For a connection that answers clients (the API's commands): while Redis is away a command fails at
 * once instead of waiting for the reconnect, so a request gets `503 QUEUE_UNAVAILABLE` in
 * milliseconds rather than hanging. A command already sent when the connection drops fails too, and
 * one that gets no answer fails after `commandTimeout`. The connection still reconnects by itself.
 * Not for BullMQ workers or blocking reads (they need `maxRetriesPerRequest: null`).
 */
export const FAIL_FAST: RedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 3_000 };

/** Resolves once the connection is ready (a fail-fast connection refuses commands before that). */
export function redisReady(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => redis.once('ready', () => resolve()));
}

/** Warns when Redis keeps nothing on disk: a restart there loses every accepted query (README). */
export async function warnIfVolatile(redis: Redis, logger: Logger): Promise<void> {
  try {
    const [, appendonly] = (await redis.config('GET', 'appendonly')) as string[];
    if (appendonly === 'no') {
      logger.warn(
        'redis keeps nothing on disk (appendonly no): run it with --appendonly yes --appendfsync always (README)',
      );
    }
  } catch {
    // CONFIG may be disabled (a managed Redis): nothing to say.
  }
}

/**
 * True for the errors a command meets while Redis is away, not answering, or failing over: a write
 * that reached a server no longer the primary (READONLY, NOREPLICAS: see isDemoted), a replica that lost
 * its primary (MASTERDOWN), a server still loading its data (LOADING). Each is retryable: the same
 * command succeeds once Redis is back.
 */
export function isRedisDown(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'MaxRetriesPerRequestError') return true;
  if (isDemoted(error) || /^(MASTERDOWN|LOADING) /.test(error.message)) return true;
  return /ECONNREFUSED|ECONNRESET|Connection is closed|max retries per request|Stream isn't writeable|Command timed out/i.test(
    error.message,
  );
}

/** Closes a connection whatever state it is in. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
