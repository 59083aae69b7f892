import { AppError } from '@sqlfleet/core';

/**
 * Refuses a body holding a string with a lone UTF-16 surrogate (`"\ud800"` is valid JSON): no
 * database takes it as text, and Redis' Lua JSON decoder fails on it. Walks without recursion, since
 * a body may nest as deep as the body limit allows.
 */
/** With the `u` flag a pair is one code point: only a surrogate standing alone matches. */
const LONE_SURROGATE = /\p{Cs}/u;

export function assertWellFormed(body: unknown): void {
  const stack: unknown[] = [body];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) throw new AppError('VALIDATION_FAILED', 'A string holds a lone UTF-16 surrogate');
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) stack.push(key, inner);
    }
  }
}
