import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Shutdown } from './shutdown.ts';

const silent = pino({ level: 'silent' });

describe('Shutdown', () => {
  it('runs closers once, in reverse order, past a failing one', async () => {
    const order: string[] = [];
    const shutdown = new Shutdown({ logger: silent, exit: () => undefined });
    shutdown.add('redis', () => {
      order.push('redis');
    });
    shutdown.add('pool', () => {
      throw new Error('pool broke');
    });
    shutdown.add('http', async () => {
      order.push('http');
    });
    const first = shutdown.run();
    expect(shutdown.run()).toBe(first);
    await first;
    expect(order).toEqual(['http', 'redis']);
  });

  it('exits with 1 when a closer outlives the deadline', async () => {
    const codes: number[] = [];
    const shutdown = new Shutdown({ logger: silent, deadlineMs: 20, exit: (code) => codes.push(code) });
    shutdown.add('stuck', () => new Promise((resolve) => setTimeout(resolve, 100)));
    await shutdown.run();
    expect(codes).toEqual([1]);
  });
});
