import type { EnumModel, IndexModel, TableModel } from '../model.ts';
import { columnSql, createTableSql } from '../table-sql.ts';
import { postgresQuoting as q } from './quote.ts';
import { postgresType } from './types.ts';

export function createEnum(e: EnumModel): string {
  return `CREATE TYPE ${q.table(e)} AS ENUM (${e.values.map(q.string).join(', ')})`;
}

export function createTable(table: TableModel): string {
  const columns = table.columns.map((c) => columnSql(c, q, { type: postgresType(c), defaultExpression: q.expression }));
  return createTableSql(table, columns, q);
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
