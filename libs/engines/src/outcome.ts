import type { QueryOutcome, ResultSet, SqlError } from '@sqlfleet/contracts';

export const QUERY_TIMEOUT = 'QUERY_TIMEOUT';
export const CONNECTION_LOST = 'CONNECTION_LOST';
/** A statement the sandbox cannot carry (COPY to or from the client, LOAD DATA LOCAL …): refused, not run. */
export const STATEMENT_UNSUPPORTED = 'STATEMENT_UNSUPPORTED';

export function timeoutError(statementIndex: number, timeoutMs: number): SqlError {
  return { code: QUERY_TIMEOUT, message: `The script ran past its time limit of ${timeoutMs} ms`, statementIndex };
}

export function connectionLostError(statementIndex: number, message: string): SqlError {
  return { code: CONNECTION_LOST, message: `The connection to the sandbox was lost: ${message}`, statementIndex };
}

export function unsupportedError(statementIndex: number, message: string): SqlError {
  return { code: STATEMENT_UNSUPPORTED, message, statementIndex };
}

/**
 * Characters an error's message, detail or hint keeps. A student's own error text has no bound of the
 * server's below its largest message (`RAISE EXCEPTION '%', repeat('x', 200000000)`): uncut, it went into
 * the stored result, every API replica's copy of the socket stream and the client's answer.
 */
export const MAX_ERROR_TEXT = 16_384;

/** Builds the outcome from what the script produced and how it stopped. */
export function outcomeOf(results: ResultSet[], error: SqlError | undefined, startedAt: number): QueryOutcome {
  const durationMs = Math.round(performance.now() - startedAt);
  if (!error) return { kind: 'ok', results, durationMs };
  const bounded = compact({
    ...error,
    message: clip(error.message),
    detail: error.detail === undefined ? undefined : clip(error.detail),
    hint: error.hint === undefined ? undefined : clip(error.hint),
  });
  return { kind: error.code === QUERY_TIMEOUT ? 'timeout' : 'sql-error', results, error: bounded, durationMs };
}

function clip(text: string): string {
  if (text.length <= MAX_ERROR_TEXT) return text;
  return `${text.slice(0, MAX_ERROR_TEXT)}… (cut: ${text.length} characters in all)`;
}

/** 1-based line of a 1-based character position within a statement. */
export function lineOfPosition(text: string, position: number): number {
  const chars = Array.from(text).slice(0, position - 1);
  return chars.filter((c) => c === '\n').length + 1;
}

/** Drops undefined fields so an outcome stays plain JSON. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
