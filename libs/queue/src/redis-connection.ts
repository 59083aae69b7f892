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

/** Closes a connection whatever state it is in. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
