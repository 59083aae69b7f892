import type { Logger } from '@sqlfleet/core';
import { Redis, type RedisOptions } from 'ioredis';

/**
 * A Redis connection with an error listener (an unhandled 'error' would crash the process)
 * and `maxRetriesPerRequest: null`, which BullMQ workers require and which makes commands
 * wait for a reconnect instead of failing while Redis restarts.
 */
export function connectRedis(url: string, logger: Logger, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
  let lastLogged = 0;
  redis.on('error', (error: Error) => {
    // Reconnect attempts repeat the same error; one line every 5 s is enough.
    const now = Date.now();
    if (now - lastLogged > 5_000) {
      lastLogged = now;
      logger.warn({ err: error }, 'redis connection error');
    }
  });
  return redis;
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

/** True for the errors a command meets while Redis is away or not answering. */
export function isRedisDown(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'MaxRetriesPerRequestError') return true;
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
