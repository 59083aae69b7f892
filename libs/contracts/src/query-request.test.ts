import { describe, expect, it } from 'vitest';
import { queryRequestSchema } from './query-request.ts';

describe('queryRequestSchema', () => {
  it('fills in wait = true and keeps the optional fields a client sends', () => {
    const parsed = queryRequestSchema.parse({ engine: 'mysql', query: 'SELECT 1', room: 'exam-101', timeoutMs: 2000 });
    expect(parsed).toEqual({ engine: 'mysql', query: 'SELECT 1', room: 'exam-101', timeoutMs: 2000, wait: true });
  });

  it.each([
    ['an engine it does not know', { engine: 'oracle', query: 'x' }],
    ['a session id that is not one of ours', { engine: 'postgres', query: 'x', sessionId: '../etc/passwd' }],
    ['a room name with spaces', { engine: 'postgres', query: 'x', room: 'room 1' }],
    ['data rows that are not objects', { engine: 'postgres', query: 'x', data: { t: [1, 2] } }],
    ['a negative timeout', { engine: 'postgres', query: 'x', timeoutMs: -1 }],
  ])('refuses %s', (_name, body) => {
    expect(queryRequestSchema.safeParse(body).success).toBe(false);
  });
});
