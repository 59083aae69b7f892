import { describe, expect, it } from 'vitest';
import { WarningTally } from './warning-tally.ts';

const line = (level: number, msg: string, time: number) => `${JSON.stringify({ level, msg, time })}\n`;

describe('WarningTally', () => {
  it('names a message one process logged more than the limit within 10 s, across cut chunks', () => {
    const tally = new WarningTally();
    const text = Array.from({ length: 7 }, (_, i) => line(40, 'drain attempt failed', 1_000 + i)).join('');
    tally.feed('worker#1', text.slice(0, 50));
    tally.feed('worker#1', text.slice(50));
    expect(tally.over(5)).toEqual(['worker#1: drain attempt failed ×7 in 10 s']);
  });

  it('counts folded summaries as their message, and spreads over time and processes apart', () => {
    const tally = new WarningTally();
    for (let i = 0; i < 6; i++) {
      tally.feed('worker#1', line(40, 'lease lost', i * 5_000));
      tally.feed('worker#1', line(40, 'lease lost (and 40 more in the last 10 s)', i * 5_000 + 10));
      tally.feed(`worker#${i + 2}`, line(50, 'redis down', 0));
    }
    tally.feed('api#1', line(30, 'info is not counted', 0).repeat(9));
    expect(tally.over(5)).toEqual([]);
    expect(tally.over(3)).toEqual(['worker#1: lease lost ×4 in 10 s']);
  });
});
