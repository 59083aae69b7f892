import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { isRedisDown } from './redis-connection.ts';

describe('isRedisDown', () => {
  it('counts what a failover answers as Redis being away (503, retryable)', () => {
    for (const message of [
      "READONLY You can't write against a read only replica.",
      'NOREPLICAS Not enough good replicas to write.',
      'MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to no.',
      'LOADING Redis is loading the dataset in memory',
      "Stream isn't writeable and enableOfflineQueue options is false",
      'connect ECONNREFUSED 127.0.0.1:6379',
    ]) {
      expect({ message, down: isRedisDown(new ReplyError(message)) }).toEqual({ message, down: true });
    }
  });

  it('leaves a script or command error alone', () => {
    expect(isRedisDown(new ReplyError('ERR wrong number of arguments for "set" command'))).toBe(false);
    expect(isRedisDown(new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(
      false,
    );
    expect(isRedisDown('READONLY')).toBe(false);
  });
});
