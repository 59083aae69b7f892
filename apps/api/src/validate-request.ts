import { type QueryRequest, queryRequestSchema } from '@sqlfleet/contracts';
import { AppError, type Config, ENGINE_NAMES } from '@sqlfleet/core';
import type { RateLimiter } from './rate-limiter.ts';
import { assertWellFormed } from './well-formed.ts';

/**
 * Checks a submission against the contract and the size ceilings, mapping each problem to
 * its stable code: UNKNOWN_ENGINE, QUERY_MISSING, VALIDATION_FAILED, the 413s, LIMIT_ABOVE_CEILING.
 */
export function validateRequest(body: unknown, limits: Config['limits']): QueryRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('VALIDATION_FAILED', 'The body must be a JSON object');
  }
  assertWellFormed(body);
  const fields = body as Record<string, unknown>;
  if (typeof fields.query !== 'string' || fields.query.trim() === '') {
    throw new AppError('QUERY_MISSING', 'A non-empty "query" string is required');
  }
  if (!(ENGINE_NAMES as readonly unknown[]).includes(fields.engine)) {
    throw new AppError('UNKNOWN_ENGINE', `"engine" must be one of ${ENGINE_NAMES.join(', ')}`, {
      details: { engines: ENGINE_NAMES },
    });
  }
  if (Buffer.byteLength(fields.query) > limits.queryBytes) {
    throw new AppError('QUERY_TOO_LARGE', `The query is larger than ${limits.queryBytes} bytes`, {
      details: { limit: limits.queryBytes },
    });
  }
  const schemaBytes =
    (typeof fields.dbml === 'string' ? Buffer.byteLength(fields.dbml) : 0) +
    (fields.data === undefined ? 0 : Buffer.byteLength(JSON.stringify(fields.data)));
  if (schemaBytes > limits.dbmlBytes) {
    throw new AppError('DBML_TOO_LARGE', `The DBML and data are larger than ${limits.dbmlBytes} bytes`, {
      details: { limit: limits.dbmlBytes },
    });
  }
  const parsed = queryRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    const first = issues[0];
    throw new AppError('VALIDATION_FAILED', first ? `${first.path || 'body'}: ${first.message}` : 'Invalid request', {
      details: { issues },
    });
  }
  const { timeoutMs } = parsed.data;
  if (timeoutMs !== undefined && timeoutMs > limits.queryTimeMs.ceiling) {
    throw new AppError('LIMIT_ABOVE_CEILING', `timeoutMs may be at most ${limits.queryTimeMs.ceiling}`, {
      details: { limit: 'timeoutMs', ceiling: limits.queryTimeMs.ceiling },
    });
  }
  return parsed.data;
}

/**
 * Validates a submission; a refused one still counts against the client's rate (a valid one is
 * counted by its submission), so malformed floods are limited like any other.
 */
export async function validateCounted(
  validate: () => QueryRequest,
  clientId: string,
  rateLimiter: RateLimiter,
): Promise<QueryRequest> {
  try {
    return validate();
  } catch (error) {
    await rateLimiter.take(clientId);
    throw error;
  }
}
