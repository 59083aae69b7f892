import type { QualifiedName } from '../model.ts';
import type { Quoting } from '../quoting.ts';
import { toUtcParts } from '../temporal.ts';
import { translateExpression } from './expressions.ts';

const ident = (name: string): string => `[${name.replaceAll(']', ']]')}]`;

const table = (name: QualifiedName): string =>
  name.schema === null ? ident(name.name) : `${ident(name.schema)}.${ident(name.name)}`;

/** N'…' so that text outside the database's code page survives. */
const string = (text: string): string => `N'${text.replaceAll("'", "''")}'`;

export const mssqlQuoting: Quoting = {
  ident,
  table,
  string,
  boolean: (value) => (value ? '1' : '0'),
  temporal: (text, kind) => {
    // `YYYY-MM-DDThh:mm:ss` is the form SQL Server reads the same under every DATEFORMAT and language.
    const parts = kind === 'datetime' ? toUtcParts(text) : null;
    return string(parts ? `${parts.date}T${parts.time}` : text);
  },
  enumValue: (text) => string(text),
  expression: translateExpression,
};
