import { AppError, isAppError } from '@sqlfleet/core';

interface ApiError {
  statusCode?: number;
  code?: string;
  message?: string;
}

const asApiError = (error: unknown): ApiError => (error && typeof error === 'object' ? (error as ApiError) : {});

/** Errors that mean the API itself is unreachable (socket missing, refused, cut). */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

export const isNotFound = (error: unknown): boolean => asApiError(error).statusCode === 404;

/**
 * A name already taken: Docker answers 409, Podman 500 with "already in use" (containers) or
 * "already used" / "already exists" (networks).
 */
export function isNameConflict(error: unknown): boolean {
  const { statusCode, message = '' } = asApiError(error);
  return statusCode === 409 || (statusCode === 500 && /already (in use|used|exists)/i.test(message));
}

/** Podman answers 500 for refusals that are about the request, not about its health. */
const REQUEST_REFUSALS = /already (in use|used|exists)|is being used|has associated containers|no such|not found/i;

/** The container engine is down or broken, as opposed to refusing one request. */
export function isEngineDown(error: unknown): boolean {
  if (isAppError(error)) return error.code === 'CONTAINER_ENGINE_DOWN';
  const { statusCode, code, message = '' } = asApiError(error);
  if (code && CONNECTION_CODES.has(code)) return true;
  if (statusCode === undefined) return /socket hang up/i.test(message);
  return statusCode >= 500 && !REQUEST_REFUSALS.test(message);
}

/** CONTAINER_ENGINE_DOWN for an unreachable engine; anything else is left as it is. */
export function asEngineError(error: unknown): unknown {
  if (isAppError(error) || !isEngineDown(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new AppError('CONTAINER_ENGINE_DOWN', `The container engine is not reachable: ${reason}`, { cause: error });
}
