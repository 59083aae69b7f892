import { describe, expect, it } from 'vitest';
import { FiguresBatch } from './figures-batch.ts';

const finished = (room?: string) => ({
  ...(room ? { room } : {}),
  sessionId: 's',
  outcome: { kind: 'ok' as const, code: '' },
  waitMs: 1,
  runMs: 2,
  at: 3,
});
const entry = {
  at: '',
  sessionId: 's',
  clientId: 'c',
  engine: 'postgres' as const,
  jobId: 'j',
  outcome: 'ok' as const,
  code: '',
  durationMs: 2,
  waitMs: 1,
  sql: 'SELECT 1',
};

describe('FiguresBatch', () => {
  it('never writes as running a query that started and finished within the batch', () => {
    const batch = new FiguresBatch();
    batch.start({ jobId: 'a', room: 'r', staleAt: 10 });
    batch.finish('a', finished('r'), entry);
    expect([...batch.started.keys()]).toEqual([]);
    expect(batch.stopped).toEqual([]);
    expect(batch.finished).toHaveLength(1);
    expect(batch.audit).toHaveLength(1);
  });

  it('takes out a query an earlier batch wrote as running, and keeps one retried and taken again', () => {
    const batch = new FiguresBatch();
    expect(batch.empty).toBe(true);
    batch.finish('earlier', finished(), entry);
    batch.stop('retried', 'r');
    batch.start({ jobId: 'retried', room: 'r', staleAt: 20 });
    expect(batch.stopped).toEqual([{ jobId: 'earlier' }, { jobId: 'retried', room: 'r' }]);
    expect([...batch.started.values()]).toEqual([{ jobId: 'retried', room: 'r', staleAt: 20 }]);
    expect(batch.empty).toBe(false);
  });
});
