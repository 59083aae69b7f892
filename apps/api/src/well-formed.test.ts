import { describe, expect, it } from 'vitest';
import { assertWellFormed, MAX_BODY_DEPTH } from './well-formed.ts';

const nested = (depth: number): unknown => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

describe('assertWellFormed', () => {
  it('takes a body nested as deep as the bound allows', () => {
    expect(() => assertWellFormed(nested(MAX_BODY_DEPTH))).not.toThrow();
  });

  it.each([MAX_BODY_DEPTH + 1, 5_000, 100_000])('refuses a body nested %i deep with VALIDATION_FAILED', (depth) => {
    expect(() => assertWellFormed(nested(depth))).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('refuses a lone surrogate, in a value or a key', () => {
    for (const body of [{ query: '\ud800' }, { ['\udc00']: 1 }]) {
      expect(() => assertWellFormed(body)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    }
    expect(() => assertWellFormed({ query: '😀' })).not.toThrow();
  });
});
