import type { ColumnType, QualifiedName } from '../model.ts';
import type { Quoting } from '../quoting.ts';

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

const table = (name: QualifiedName): string =>
  name.schema === null ? ident(name.name) : `${ident(name.schema)}.${ident(name.name)}`;

/** Standard strings: only `'` is special (standard_conforming_strings is on since PostgreSQL 9.1). */
const string = (text: string): string => `'${text.replaceAll("'", "''")}'`;

export const postgresQuoting: Quoting = {
  ident,
  table,
  string,
  boolean: (value) => (value ? 'TRUE' : 'FALSE'),
  temporal: (text) => string(text),
  // An explicit cast to the schema-qualified, quoted enum type: right whatever schema it lives in.
  enumValue: (text: string, type: ColumnType) =>
    type.enumRef ? `${string(text)}::${table(type.enumRef)}` : string(text),
  expression: (sql) => sql,
};
