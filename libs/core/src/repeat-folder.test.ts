import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RepeatFolder } from './repeat-folder.ts';

/** What an operator reads: the JSON lines a pino logger at `info` writes. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines, messages: () => lines.map((line) => line.msg) };
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RepeatFolder', () => {
  it('writes one line for 1,000 repeats within the interval, then one line with the count', () => {
    const { logger, lines, messages } = capture();
    const folder = new RepeatFolder(logger, { intervalMs: 10_000 });
    for (let i = 0; i < 1_000; i++) {
      folder.warn({ err: refused(), sessionId: `s${i}` }, 'drain lease not renewed');
      vi.advanceTimersByTime(5);
    }
    expect(messages()).toEqual(['drain lease not renewed']);
    expect(lines[0]).toMatchObject({ level: 40, sessionId: 's0', err: { code: 'ECONNREFUSED' } });

    vi.advanceTimersByTime(5_000);
    expect(messages()).toEqual(['drain lease not renewed', 'drain lease not renewed (and 999 more in the last 10 s)']);
    expect(lines[1]).toMatchObject({
      level: 40,
      repeated: 999,
      firstError: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:6379' },
    });
  });

  it('keeps folding at one line per interval while the repeats last, and goes quiet after them', () => {
    const { logger, messages } = capture();
    const folder = new RepeatFolder(logger, { intervalMs: 10_000 });
    for (let i = 0; i < 30; i++) {
      folder.warn({ err: refused() }, 'query could not run; the drain will retry');
      vi.advanceTimersByTime(1_000);
    }
    vi.advanceTimersByTime(60_000);
    expect(messages()).toEqual([
      'query could not run; the drain will retry',
      'query could not run; the drain will retry (and 9 more in the last 10 s)',
      'query could not run; the drain will retry (and 10 more in the last 10 s)',
      'query could not run; the drain will retry (and 10 more in the last 10 s)',
    ]);

    // After a quiet interval the next occurrence is news again: written at once.
    folder.warn({ err: refused() }, 'query could not run; the drain will retry');
    expect(messages()).toHaveLength(5);
  });

  it('folds each message on its own, at its own level', () => {
    const { logger, lines, messages } = capture();
    const folder = new RepeatFolder(logger, { intervalMs: 10_000 });
    for (let i = 0; i < 3; i++) {
      folder.warn({}, 'drain lease not renewed');
      folder.error({ err: new Error('Connection is closed.') }, 'worker error');
    }
    expect(messages()).toEqual(['drain lease not renewed', 'worker error']);
    vi.advanceTimersByTime(10_000);
    expect(lines.slice(2).map((line) => [line.level, line.msg, line.firstError])).toEqual([
      [40, 'drain lease not renewed (and 2 more in the last 10 s)', undefined],
      [50, 'worker error (and 2 more in the last 10 s)', { message: 'Connection is closed.' }],
    ]);
  });

  it('writes a lone message once, with no summary', () => {
    const { logger, messages } = capture();
    new RepeatFolder(logger).warn({}, 'waiting queries not resumed');
    vi.advanceTimersByTime(60_000);
    expect(messages()).toEqual(['waiting queries not resumed']);
  });

  it('writes what it folded so far when flushed (at shutdown)', () => {
    const { logger, messages } = capture();
    const folder = new RepeatFolder(logger, { intervalMs: 10_000 });
    for (let i = 0; i < 4; i++) folder.warn({}, 'drain attempt failed');
    vi.advanceTimersByTime(2_000);
    folder.flush();
    vi.advanceTimersByTime(60_000);
    expect(messages()).toEqual(['drain attempt failed', 'drain attempt failed (and 3 more in the last 2 s)']);
  });

  it('is shared by every site that logs through the same logger', () => {
    const { logger, messages } = capture();
    RepeatFolder.of(logger).warn({}, 'redis connection error');
    RepeatFolder.of(logger).warn({}, 'redis connection error');
    expect(RepeatFolder.of(logger)).toBe(RepeatFolder.of(logger));
    expect(messages()).toEqual(['redis connection error']);
  });
});
