import type { ColumnKind } from './model.ts';

const INTEGER = /^[-+]?\d+$/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

/**
 * Why a sample value cannot go in a column of this kind, or undefined when it can. Caught here,
 * a bad value is a 400 naming its table, column and row at submission; left to the database it
 * would only surface when a worker builds the sandbox. NULL is always accepted (NOT NULL is the
 * database's to enforce); text and unknown types take any scalar.
 */
export function sampleValueProblem(kind: ColumnKind, value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'object') return kind === 'other' ? undefined : 'an object or array where a scalar is expected';
  switch (kind) {
    case 'integer':
      return isNumberLike(value, INTEGER, Number.isInteger) ? undefined : 'not an integer';
    case 'number':
      return isNumberLike(value, NUMBER, Number.isFinite) ? undefined : 'not a number';
    case 'boolean':
      return typeof value === 'boolean' || [0, 1, '0', '1', 'true', 'false'].includes(value as never)
        ? undefined
        : 'not a boolean (true, false, 1 or 0)';
    case 'date':
      return typeof value === 'string' && DATE.test(value) ? undefined : 'not a date (YYYY-MM-DD)';
    case 'time':
      return typeof value === 'string' && TIME.test(value) ? undefined : 'not a time (HH:MM[:SS])';
    case 'datetime':
      return typeof value === 'string' && DATETIME.test(value) ? undefined : 'not a timestamp (YYYY-MM-DD HH:MM:SS)';
    default:
      return undefined;
  }
}

function isNumberLike(value: unknown, text: RegExp, numeric: (n: number) => boolean): boolean {
  if (typeof value === 'number') return numeric(value);
  return typeof value === 'string' && text.test(value.trim());
}
