import { createHash } from 'node:crypto';
import type { CompileInput } from './compile-input.ts';

/** Bumped whenever the generated SQL changes for the same input, so older sandboxes are rebuilt. */
const GENERATOR_VERSION = 1;

/**
 * sha256 (hex) of the engine, the DBML with line endings and trailing blanks normalised, and
 * the data as canonical JSON (keys sorted). No data and `{}` build the same sandbox.
 */
export function fingerprintOf(input: CompileInput): string {
  const payload = JSON.stringify([
    GENERATOR_VERSION,
    input.engine,
    normalizeDbml(input.dbml ?? ''),
    canonical(input.data ?? {}),
  ]);
  return createHash('sha256').update(payload).digest('hex');
}

function normalizeDbml(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
}
