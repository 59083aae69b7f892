import type { QualifiedName } from '../model.ts';
import type { Quoting } from '../quoting.ts';
import { toUtcParts } from '../temporal.ts';

const ident = (name: string): string => `\`${name.replaceAll('`', '``')}\``;

/**
 * MySQL has no schemas inside a database (a schema is a database, and a sandbox owns only
 * one), so a table of a named DBML schema becomes `schema_table` in the sandbox database.
 */
const tableName = (name: QualifiedName): string => (name.schema === null ? name.name : `${name.schema}_${name.name}`);

const ESCAPES: Record<string, string> = { '\\': '\\\\', "'": "''", '\0': '\\0', '\x1a': '\\Z' };

/** Backslash is an escape character unless NO_BACKSLASH_ESCAPES, which the default sql_mode of MySQL and MariaDB leaves off. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL and Ctrl-Z are the characters MySQL needs escaped.
const string = (text: string): string => `'${text.replace(/[\\'\0\x1a]/g, (c) => ESCAPES[c] ?? c)}'`;

export const mysqlQuoting: Quoting = {
  ident,
  table: (name) => ident(tableName(name)),
  string,
  boolean: (value) => (value ? 'TRUE' : 'FALSE'),
  temporal: (text, kind) => {
    const parts = kind === 'datetime' ? toUtcParts(text) : null;
    return string(parts ? `${parts.date} ${parts.time}` : text);
  },
  enumValue: (text) => string(text),
  expression: (sql) => sql,
};
