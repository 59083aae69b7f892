import { describe, expect, it } from 'vitest';
import { MAX_ERROR_TEXT, outcomeOf } from './outcome.ts';

describe('outcomeOf', () => {
  it('keeps an ordinary error as the engine gave it', () => {
    const error = { code: '42601', message: 'syntax error at or near "FROM"', statementIndex: 1, position: 13 };
    expect(outcomeOf([], error, performance.now())).toMatchObject({ kind: 'sql-error', error });
  });

  it("cuts an error's message, detail and hint past the bound, saying how long they were", () => {
    const long = 'x'.repeat(MAX_ERROR_TEXT + 5);
    const out = outcomeOf([], { code: 'P0001', message: long, detail: long, hint: 'short', statementIndex: 0 }, 0);
    expect(out.kind === 'sql-error' && out.error).toMatchObject({
      message: `${'x'.repeat(MAX_ERROR_TEXT)}… (cut: ${MAX_ERROR_TEXT + 5} characters in all)`,
      detail: `${'x'.repeat(MAX_ERROR_TEXT)}… (cut: ${MAX_ERROR_TEXT + 5} characters in all)`,
      hint: 'short',
    });
  });
});
