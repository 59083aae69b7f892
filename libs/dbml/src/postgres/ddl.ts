import type { ColumnDefault, ColumnModel, EnumModel, IndexModel, TableModel } from '../model.ts';
import { postgresQuoting as q } from './quote.ts';
import { postgresType } from './types.ts';

export function createEnum(e: EnumModel): string {
  return `CREATE TYPE ${q.table(e)} AS ENUM (${e.values.map(q.string).join(', ')})`;
}

export function createTable(table: TableModel): string {
  const lines = table.columns.map(columnSql);
  if (table.primaryKey.length > 0) lines.push(`PRIMARY KEY (${table.primaryKey.map(q.ident).join(', ')})`);
  return `CREATE TABLE ${q.table(table)} (\n  ${lines.join(',\n  ')}\n)`;
}

function columnSql(column: ColumnModel): string {
  const parts = [q.ident(column.name), postgresType(column)];
  if (column.notNull) parts.push('NOT NULL');
  if (column.unique) parts.push('UNIQUE');
  if (column.default) parts.push(`DEFAULT ${defaultSql(column.default)}`);
  return parts.join(' ');
}

function defaultSql(value: ColumnDefault): string {
  switch (value.kind) {
    case 'number':
      return String(value.value);
    case 'string':
      return q.string(value.value);
    case 'boolean':
      return q.boolean(value.value);
    case 'null':
      return 'NULL';
    case 'expression':
      return value.sql;
  }
}

export function createIndex(table: TableModel, index: IndexModel): string {
  const parts = index.parts.map((p) => (p.kind === 'column' ? q.ident(p.value) : `(${p.value})`));
  const using = index.method ? ` USING ${index.method}` : '';
  const unique = index.unique ? 'UNIQUE ' : '';
  return `CREATE ${unique}INDEX ${q.ident(index.name)} ON ${q.table(table)}${using} (${parts.join(', ')})`;
}

export function comments(table: TableModel): string[] {
  const out: string[] = [];
  if (table.note) out.push(`COMMENT ON TABLE ${q.table(table)} IS ${q.string(table.note)}`);
  for (const column of table.columns) {
    if (column.note)
      out.push(`COMMENT ON COLUMN ${q.table(table)}.${q.ident(column.name)} IS ${q.string(column.note)}`);
  }
  return out;
}
