import { isAppError } from '@sqlfleet/core';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.ts';

function setup(isFailure?: (error: unknown) => boolean) {
  let now = 1_000;
  const breaker = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 10_000, now: () => now, isFailure });
  let calls = 0;
  const ok = () => breaker.run(async () => ++calls);
  const fail = (error: unknown = new Error('ECONNREFUSED')) =>
    breaker.run(async () => {
      calls++;
      throw error;
    });
  return { breaker, ok, fail, advance: (ms: number) => (now += ms), calls: () => calls };
}

describe('CircuitBreaker', () => {
  it('stays closed below the threshold and a success resets the count', async () => {
    const { breaker, ok, fail } = setup();
    await expect(fail()).rejects.toThrow('ECONNREFUSED');
    await expect(fail()).rejects.toThrow('ECONNREFUSED');
    await ok();
    await expect(fail()).rejects.toThrow('ECONNREFUSED');
    await expect(fail()).rejects.toThrow('ECONNREFUSED');
    expect(breaker.snapshot()).toEqual({ state: 'closed', failures: 2 });
  });

  it('opens after N consecutive failures and refuses without calling, with a retryable CONTAINER_ENGINE_DOWN', async () => {
    const { breaker, ok, fail, calls } = setup();
    for (let i = 0; i < 3; i++) await expect(fail()).rejects.toThrow('ECONNREFUSED');
    expect(breaker.state()).toBe('open');
    const before = calls();
    const refused = await ok().catch((e: unknown) => e);
    expect(calls()).toBe(before);
    expect(isAppError(refused) && refused.code === 'CONTAINER_ENGINE_DOWN' && refused.retryable).toBe(true);
    expect(breaker.snapshot()).toEqual({ state: 'open', failures: 3, retryAt: 11_000 });
  });

  it('lets one probe through after the cool-down; its success closes the circuit', async () => {
    const { breaker, ok, fail, advance } = setup();
    for (let i = 0; i < 3; i++) await expect(fail()).rejects.toThrow();
    advance(10_000);
    expect(breaker.state()).toBe('half-open');
    let release: () => void = () => undefined;
    const probe = breaker.run(() => new Promise<string>((resolve) => (release = () => resolve('probe'))));
    // While the probe is out, everyone else is still refused.
    await expect(ok()).rejects.toMatchObject({ code: 'CONTAINER_ENGINE_DOWN' });
    release();
    await expect(probe).resolves.toBe('probe');
    expect(breaker.snapshot()).toEqual({ state: 'closed', failures: 0 });
    await expect(ok()).resolves.toBeTypeOf('number');
  });

  it('re-opens for a full cool-down when the probe fails', async () => {
    const { breaker, fail, advance } = setup();
    for (let i = 0; i < 3; i++) await expect(fail()).rejects.toThrow();
    advance(10_000);
    await expect(fail()).rejects.toThrow('ECONNREFUSED');
    expect(breaker.state()).toBe('open');
    advance(9_999);
    expect(breaker.state()).toBe('open');
    advance(1);
    expect(breaker.state()).toBe('half-open');
  });

  it('does not count errors that are not the dependency failing', async () => {
    const notFound = Object.assign(new Error('no such container'), { statusCode: 404 });
    const { breaker, fail } = setup((e) => (e as { statusCode?: number }).statusCode !== 404);
    for (let i = 0; i < 5; i++) await expect(fail(notFound)).rejects.toThrow('no such container');
    expect(breaker.snapshot()).toEqual({ state: 'closed', failures: 0 });
  });
});
