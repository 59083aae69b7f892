/**
 * The one registry of error codes sqlfleet answers with. Every refusal a client can see
 * has a stable code here, an HTTP status and whether trying again may help.
 * docs/errors.md documents each code; a test keeps the two in step.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, retryable: false, message: 'The request does not match the expected shape' },
  REQUEST_MALFORMED: {
    status: 400,
    retryable: false,
    message: 'The HTTP request is malformed or was cut short',
  },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, message: 'The body must be application/json' },
  UNKNOWN_ENGINE: { status: 400, retryable: false, message: 'Unknown engine' },
  QUERY_MISSING: { status: 400, retryable: false, message: 'A query is required' },
  QUERY_TOO_LARGE: { status: 413, retryable: false, message: 'The query text is larger than allowed' },
  DBML_TOO_LARGE: { status: 413, retryable: false, message: 'The DBML and data are larger than allowed' },
  BODY_TOO_LARGE: { status: 413, retryable: false, message: 'The request body is larger than allowed' },
  LIMIT_ABOVE_CEILING: { status: 400, retryable: false, message: 'A requested limit is above its ceiling' },
  DBML_INVALID: { status: 400, retryable: false, message: 'The DBML could not be parsed' },
  DATA_INVALID: { status: 400, retryable: false, message: 'The sample data does not match the schema' },
  SESSION_NOT_FOUND: { status: 404, retryable: false, message: 'Unknown or expired session' },
  SESSION_ENGINE_MISMATCH: { status: 409, retryable: false, message: 'The session belongs to another engine' },
  EXAM_NOT_FOUND: { status: 404, retryable: false, message: 'Unknown or expired exam' },
  EXAM_EXISTS: { status: 409, retryable: false, message: 'An exam is already registered for this room' },
  JOB_NOT_FOUND: { status: 404, retryable: false, message: 'Unknown or expired job' },
  ROUTE_NOT_FOUND: { status: 404, retryable: false, message: 'No such route' },
  RATE_LIMITED: { status: 429, retryable: true, message: 'Too many requests' },
  SESSION_BUSY: {
    status: 429,
    retryable: true,
    message: 'This session already has as many queries waiting as allowed',
  },
  TOO_MANY_SESSIONS: { status: 429, retryable: false, message: 'Too many live sessions for this client' },
  ENGINE_UNAVAILABLE: { status: 503, retryable: true, message: 'This engine is not available on this deployment' },
  SCHEMA_REJECTED: {
    status: 422,
    retryable: false,
    message: 'The database refused the schema or sample data',
  },
  SANDBOX_FAILED: { status: 503, retryable: true, message: 'The sandbox could not be prepared' },
  SERVER_BUSY: {
    status: 503,
    retryable: true,
    message: 'The database server has no connection free right now; the sandbox and its data are kept',
  },
  SANDBOX_UNREACHABLE: {
    status: 503,
    retryable: true,
    message: 'The sandbox cannot be reached right now (refused, timed out or login refused); its data is kept',
  },
  CONNECTIONS_EXHAUSTED: {
    status: 503,
    retryable: true,
    message: "Every connection of the fleet's budget stayed busy for too long; try again shortly",
  },
  CONTAINER_ENGINE_DOWN: { status: 503, retryable: true, message: 'The container engine is not reachable' },
  QUEUE_FULL: { status: 503, retryable: true, message: 'The fleet is at its backlog ceiling; try again shortly' },
  OPS_TOKEN_REQUIRED: { status: 401, retryable: false, message: 'This view needs the operations token' },
  PROCTOR_TOKEN_REQUIRED: {
    status: 401,
    retryable: false,
    message: 'This view needs a proctor token or the operations token',
  },
  ROOM_FORBIDDEN: { status: 403, retryable: false, message: 'This token does not give access to that room' },
  QUEUE_UNAVAILABLE: { status: 503, retryable: true, message: 'The queue is not reachable' },
  JOB_FAILED: { status: 500, retryable: true, message: 'The job failed' },
  QUERY_CRASHED_WORKER: {
    status: 500,
    retryable: false,
    message: 'This query ended the worker running it several times; it is not run again',
  },
  CONFIG_INVALID: { status: 500, retryable: false, message: 'The configuration is invalid' },
  INTERNAL: { status: 500, retryable: false, message: 'Internal error' },
} as const satisfies Record<string, { status: number; retryable: boolean; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface AppErrorOptions {
  /** Extra fields a client may rely on (e.g. `line` and `column` of a DBML error). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message?: string, options: AppErrorOptions = {}) {
    const entry = ERROR_CODES[code];
    super(message ?? entry.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = entry.status;
    this.retryable = entry.retryable;
    this.details = options.details ?? {};
  }

  /** The body every refused request answers with. */
  toJSON(): { error: { code: ErrorCode; message: string } & Record<string, unknown> } {
    return { error: { ...this.details, code: this.code, message: this.message } };
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
