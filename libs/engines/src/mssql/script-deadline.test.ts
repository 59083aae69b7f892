import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ScriptDeadline } from './script-deadline.ts';

/** Stands in for an mssql request: a batch that runs until it ends or its cancel is honoured. */
class FakeRequest {
  cancels = 0;
  private finish!: (value: string) => void;
  readonly done = new Promise<string>((resolve) => {
    this.finish = resolve;
  });
  constructor(private readonly honoursCancel: boolean) {}
  cancel(): void {
    this.cancels += 1;
    if (this.honoursCancel) this.finish('cancelled');
  }
  complete(): void {
    this.finish('completed');
  }
}

describe('ScriptDeadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets a batch that ends in time finish without cancelling it', async () => {
    const deadline = new ScriptDeadline(1_000, 500);
    const request = new FakeRequest(true);
    const guarded = deadline.guard(request.done, () => request.cancel());
    await vi.advanceTimersByTimeAsync(400);
    request.complete();
    await expect(guarded).resolves.toEqual({ settled: true, value: 'completed' });
    expect(request.cancels).toBe(0);
    expect(deadline.expired).toBe(false);
  });

  it('cancels once at the limit, counted over the whole script, and waits for the cancel to land', async () => {
    const deadline = new ScriptDeadline(1_000, 500);
    await vi.advanceTimersByTimeAsync(700); // an earlier batch used 700 ms
    expect(deadline.remainingMs()).toBe(300);
    const request = new FakeRequest(true);
    const guarded = deadline.guard(request.done, () => request.cancel());
    await vi.advanceTimersByTimeAsync(299);
    expect(request.cancels).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await expect(guarded).resolves.toEqual({ settled: true, value: 'cancelled' });
    expect(request.cancels).toBe(1);
    expect(deadline.expired).toBe(true);
  });

  it('gives up on a batch whose cancel is not acknowledged within the grace', async () => {
    const deadline = new ScriptDeadline(1_000, 500);
    const request = new FakeRequest(false);
    const guarded = deadline.guard(request.done, () => request.cancel());
    await vi.advanceTimersByTimeAsync(1_499);
    let outcome: unknown;
    void guarded.then((o) => {
      outcome = o;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toEqual({ settled: false });
  });

  it('cancels a batch started after the limit at once, and never hands a driver a zero timeout', async () => {
    const deadline = new ScriptDeadline(100, 500);
    await vi.advanceTimersByTimeAsync(150);
    expect(deadline.expired).toBe(true);
    expect(deadline.remainingMs()).toBe(1);
    const request = new FakeRequest(true);
    await expect(deadline.guard(request.done, () => request.cancel())).resolves.toEqual({
      settled: true,
      value: 'cancelled',
    });
  });

  it('survives a cancel that throws (the request had already ended)', async () => {
    const deadline = new ScriptDeadline(10, 50);
    const request = new FakeRequest(false);
    const guarded = deadline.guard(request.done, () => {
      throw new Error('no request in flight');
    });
    await vi.advanceTimersByTimeAsync(60);
    await expect(guarded).resolves.toEqual({ settled: false });
  });
});
