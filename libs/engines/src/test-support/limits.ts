import type { QueryLimits } from '@sqlfleet/contracts';

/** Roomy limits for a test, with the one it is about overridden. */
export const limits = (over: Partial<QueryLimits> = {}): QueryLimits => ({
  timeoutMs: 5_000,
  maxRows: 10_000,
  maxBytes: 8 * 1024 * 1024,
  ...over,
});
