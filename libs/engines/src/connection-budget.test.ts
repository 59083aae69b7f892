import { describe, expect, it } from 'vitest';
import { ConnectionBudget } from './connection-budget.ts';

/** Fake connections that record which are open, so a test sees what a server would count. */
function fakeServer() {
  let next = 0;
  const open = new Set<string>();
  const closed: string[] = [];
  return {
    open,
    closed,
    connect: (key: string) => async () => {
      const conn = `${key}#${next++}`;
      open.add(conn);
      return conn;
    },
    budget: (limit: number, waitMs = 1_000, idleMs = 60_000) =>
      new ConnectionBudget<string>({
        limit,
        waitMs,
        idleMs,
        alive: (conn) => open.has(conn),
        close: async (conn) => {
          open.delete(conn);
          closed.push(conn);
        },
      }),
  };
}

describe('ConnectionBudget', () => {
  it('reuses a target’s idle connection instead of opening another', async () => {
    const server = fakeServer();
    const budget = server.budget(2);
    const a = await budget.acquire('a', server.connect('a'));
    budget.release('a', a);
    expect(await budget.acquire('a', server.connect('a'))).toBe(a);
    expect(server.open.size).toBe(1);
  });

  it('prepares a connection ahead of its first use only into a free slot, and keeps it past the idle time', async () => {
    const server = fakeServer();
    const budget = server.budget(3, 1_000, 100);
    expect(await budget.prepare('a', server.connect('a'), 60_000)).toBe(true);
    expect(await budget.prepare('b', server.connect('b'), 60_000)).toBe(true);
    const used = await budget.acquire('u', server.connect('u'));
    budget.release('u', used);
    // The budget is spent: nothing more is opened, nothing is closed for it.
    expect(await budget.prepare('c', server.connect('c'), 60_000)).toBe(false);
    expect(server.open.size).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 400));
    // The used connection went after the idle time; the prepared ones are still there.
    expect(server.closed).toEqual([used]);
    const a = await budget.acquire('a', server.connect('a'));
    expect(a).toBe('a#0');
    // Still the least recently used target gives way when another needs a slot.
    budget.release('a', a);
    const c = await budget.acquire('c', server.connect('c'));
    const d = await budget.acquire('d', server.connect('d'));
    expect(server.closed).toEqual([used, 'b#1']);
    budget.release('c', c);
    budget.release('d', d);
  });

  it('closes the least recently used target’s idle connection when another target needs room', async () => {
    const server = fakeServer();
    const budget = server.budget(2);
    const a = await budget.acquire('a', server.connect('a'));
    const b = await budget.acquire('b', server.connect('b'));
    budget.release('a', a);
    budget.release('b', b);
    // a is used again, so b is now the least recently used.
    budget.release('a', await budget.acquire('a', server.connect('a')));
    const c = await budget.acquire('c', server.connect('c'));
    expect(server.closed).toEqual([b]);
    expect([...server.open].sort()).toEqual([a, c].sort());
  });

  it('never holds more than its limit, whatever the number of targets; the busy wait their turn', async () => {
    const server = fakeServer();
    const budget = server.budget(3);
    let peak = 0;
    const session = async (key: string) => {
      for (let i = 0; i < 3; i++) {
        const conn = await budget.acquire(key, server.connect(key));
        peak = Math.max(peak, server.open.size);
        await new Promise((resolve) => setTimeout(resolve, 1));
        budget.release(key, conn);
      }
    };
    await Promise.all(Array.from({ length: 40 }, (_, i) => session(`s${i}`)));
    expect(peak).toBeLessThanOrEqual(3);
    expect(budget.size).toBeLessThanOrEqual(3);
  });

  it('hands a connection given back to a waiter of the same target without reopening', async () => {
    const server = fakeServer();
    const budget = server.budget(1);
    const a = await budget.acquire('a', server.connect('a'));
    const waiting = budget.acquire('a', server.connect('a'));
    budget.release('a', a);
    expect(await waiting).toBe(a);
    expect(server.closed).toEqual([]);
  });

  it('answers CONNECTIONS_EXHAUSTED (retryable) when every connection stays busy past the wait', async () => {
    const server = fakeServer();
    const budget = server.budget(1, 20);
    await budget.acquire('a', server.connect('a'));
    await expect(budget.acquire('b', server.connect('b'))).rejects.toMatchObject({
      code: 'CONNECTIONS_EXHAUSTED',
      retryable: true,
    });
    expect(server.open.size).toBe(1);
  });

  it('frees the slot of a connection that could not be opened, and of one discarded', async () => {
    const server = fakeServer();
    const budget = server.budget(1, 50);
    await expect(budget.acquire('a', () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    const b = await budget.acquire('b', server.connect('b'));
    budget.release('b', b, true);
    const c = await budget.acquire('c', server.connect('c'));
    expect(server.closed).toEqual([b]);
    expect([...server.open]).toEqual([c]);
  });

  it('does not hand out an idle connection the server has ended', async () => {
    const server = fakeServer();
    const budget = server.budget(2);
    const a = await budget.acquire('a', server.connect('a'));
    budget.release('a', a);
    server.open.delete(a);
    const again = await budget.acquire('a', server.connect('a'));
    expect(again).not.toBe(a);
  });

  it('closes idle connections after the idle time, and all of them on close', async () => {
    const server = fakeServer();
    const budget = server.budget(3, 1_000, 30);
    const a = await budget.acquire('a', server.connect('a'));
    budget.release('a', a);
    await expect.poll(() => server.open.size, { timeout: 2_000 }).toBe(0);
    const b = await budget.acquire('b', server.connect('b'));
    budget.release('b', b);
    await budget.close();
    expect(server.open.size).toBe(0);
    expect(budget.size).toBe(0);
  });
});
