import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError, ERROR_CODES, isAppError } from './errors.ts';

const documented = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
const rows = [...documented.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|\s*(yes|no)\s*\|/gm)].map((m) => ({
  code: m[1] as keyof typeof ERROR_CODES,
  status: Number(m[2]),
  retryable: m[3] === 'yes',
}));

describe('error registry', () => {
  it('documents every code with its status and retry flag in docs/errors.md', () => {
    const fromDocs = Object.fromEntries(rows.map((r) => [r.code, { status: r.status, retryable: r.retryable }]));
    const fromCode = Object.fromEntries(
      Object.entries(ERROR_CODES).map(([code, e]) => [code, { status: e.status, retryable: e.retryable }]),
    );
    expect(fromDocs).toEqual(fromCode);
  });

  it('turns an AppError into the body a client receives, details beside code and message', () => {
    const error = new AppError('DBML_INVALID', 'Expected a table name', { details: { line: 3, column: 7 } });
    expect(error.status).toBe(400);
    expect(isAppError(error)).toBe(true);
    expect(error.toJSON()).toEqual({
      error: { code: 'DBML_INVALID', message: 'Expected a table name', line: 3, column: 7 },
    });
  });

  it('keeps the registry message when none is given, and details cannot override the code', () => {
    const error = new AppError('RATE_LIMITED', undefined, { details: { code: 'X', retryAfterS: 5 } });
    expect(error.toJSON().error).toMatchObject({ code: 'RATE_LIMITED', message: 'Too many requests', retryAfterS: 5 });
  });
});
