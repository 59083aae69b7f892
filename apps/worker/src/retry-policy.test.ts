import { AppError } from '@sqlfleet/core';
import { describe, expect, it } from 'vitest';
import { RetryPolicy } from './retry-policy.ts';

/** The pauses a query gets while `error` lasts, until the policy gives up. */
function pausesWhile(policy: RetryPolicy, error: unknown): number[] {
  const pauses: number[] = [];
  let failingForMs = 0;
  for (let tries = 1; tries < 1_000; tries++) {
    const delay = policy.delayMs(error, tries, failingForMs);
    if (delay === undefined) return pauses;
    pauses.push(delay);
    failingForMs += delay;
  }
  throw new Error('never gave up');
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

describe('RetryPolicy', () => {
  const policy = new RetryPolicy({ ceilingMs: 60_000 });

  it('waits out a passing condition up to the ceiling, however many tries that takes', () => {
    for (const error of [
      new AppError('SERVER_BUSY'),
      new AppError('CONNECTIONS_EXHAUSTED'),
      new Error('connect ECONNREFUSED 127.0.0.1:6379'),
      new Error('READONLY You cannot write against a read only replica.'),
    ]) {
      const pauses = pausesWhile(policy, error);
      expect(pauses.slice(0, 5)).toEqual([500, 1_000, 2_000, 4_000, 5_000]);
      expect(sum(pauses)).toBe(60_000);
    }
  });

  it('never retries what retrying cannot help', () => {
    expect(policy.delayMs(new AppError('SESSION_NOT_FOUND'), 1, 0)).toBeUndefined();
    expect(policy.delayMs(new AppError('SCHEMA_REJECTED'), 1, 0)).toBeUndefined();
  });

  it('tries an error of no known kind 4 times only (a defect does not pass with time)', () => {
    expect(pausesWhile(policy, new TypeError('x is not a function'))).toEqual([500, 1_000, 2_000]);
  });

  it('gives up at once with a ceiling of 0', () => {
    expect(new RetryPolicy({ ceilingMs: 0 }).delayMs(new AppError('SERVER_BUSY'), 1, 0)).toBeUndefined();
  });
});
