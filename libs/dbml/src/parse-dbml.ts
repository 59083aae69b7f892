import { createRequire } from 'node:module';
import type { Database, Parser } from '@dbml/core';
import { AppError } from '@sqlfleet/core';

/**
 * @dbml/core is one 36 MB bundle: loading it takes ~2 s and ~300 MB. It is loaded on the first
 * parse, not at start-up, so processes that never parse (the reaper; an API or worker whose
 * schemas are all cached) start fast and stay small.
 */
let ParserClass: (new () => Parser) | undefined;
function dbmlParser(): Parser {
  ParserClass ??= (createRequire(import.meta.url)('@dbml/core') as typeof import('@dbml/core')).Parser;
  // A parser per parse: nothing of one teacher's DBML can linger into the next.
  return new ParserClass();
}

interface Diagnostic {
  message?: string;
  location?: { start?: { line?: number; column?: number } };
}

/** Parses DBML (Records included) into @dbml/core's model; syntax and binding errors become DBML_INVALID. */
export function parseDbml(text: string): Database {
  try {
    return dbmlParser().parse(text, 'dbmlv2');
  } catch (error) {
    throw toDbmlError(error);
  }
}

function toDbmlError(error: unknown): AppError {
  const diag = (error as { diags?: Diagnostic[] } | null)?.diags?.[0];
  if (!diag) {
    const message = error instanceof Error ? error.message : String(error);
    return new AppError('DBML_INVALID', `Invalid DBML: ${message}`, { cause: error });
  }
  const line = diag.location?.start?.line ?? null;
  const column = diag.location?.start?.column ?? null;
  return new AppError('DBML_INVALID', diag.message ?? 'Invalid DBML', { details: { line, column }, cause: error });
}
