import { AppError } from '@sqlfleet/core';

/** With the `u` flag a pair is one code point: only a surrogate standing alone matches. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Deeper than any DBML `data` needs (table → rows → row → a JSON column's own nesting), and far below
 * what overflows the stack of the recursive steps after this one (JSON.stringify, the schema
 * validator, the job's encoding): a body nested 5,000 deep made `JSON.stringify` throw RangeError.
 */
export const MAX_BODY_DEPTH = 64;

/**
 * Refuses a body nested deeper than `MAX_BODY_DEPTH`, or holding a string with a lone UTF-16
 * surrogate (`"\ud800"` is valid JSON): no database takes it as text, and Redis' Lua JSON decoder
 * fails on it. Walks without recursion, since a body may nest as deep as the body limit allows.
 */
export function assertWellFormed(body: unknown): void {
  const stack: [unknown, number][] = [[body, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) throw new AppError('VALIDATION_FAILED', 'A string holds a lone UTF-16 surrogate');
    } else if (value && typeof value === 'object') {
      if (depth >= MAX_BODY_DEPTH) {
        throw new AppError('VALIDATION_FAILED', `The body nests deeper than ${MAX_BODY_DEPTH} levels`);
      }
      for (const [key, inner] of Object.entries(value)) stack.push([key, depth + 1], [inner, depth + 1]);
    }
  }
}
