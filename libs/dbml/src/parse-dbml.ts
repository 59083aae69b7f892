import { type Database, Parser } from '@dbml/core';
import { AppError } from '@sqlfleet/core';

interface Diagnostic {
  message?: string;
  location?: { start?: { line?: number; column?: number } };
}

/** Parses DBML (Records included) into @dbml/core's model; syntax and binding errors become DBML_INVALID. */
export function parseDbml(text: string): Database {
  try {
    return new Parser().parse(text, 'dbmlv2');
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
