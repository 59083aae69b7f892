import type { ColumnDefault, ColumnModel, EnumModel, IndexModel, TableModel } from '../model.ts';
import { mssqlQuoting as q } from './quote.ts';
import { mssqlType } from './types.ts';

export function createTable(table: TableModel, enums: EnumModel[]): string {
  const lines = table.columns.map((c) => columnSql(c, enums));
  if (table.primaryKey.length > 0) lines.push(`PRIMARY KEY (${table.primaryKey.map(q.ident).join(', ')})`);
  return `CREATE TABLE ${q.table(table)} (\n  ${lines.join(',\n  ')}\n)`;
}

function columnSql(column: ColumnModel, enums: EnumModel[]): string {
  const parts = [q.ident(column.name), mssqlType(column)];
  if (column.notNull) parts.push('NOT NULL');
  if (column.unique) parts.push('UNIQUE');
  if (column.default) parts.push(`DEFAULT ${defaultSql(column.default)}`);
  const check = enumCheck(column, enums);
  if (check) parts.push(check);
  return parts.join(' ');
}

/** SQL Server has no enum type: the column is text limited to the enum's values. */
function enumCheck(column: ColumnModel, enums: EnumModel[]): string | null {
  const ref = column.type.enumRef;
  const e = ref && enums.find((x) => x.schema === ref.schema && x.name === ref.name);
  if (!e) return null;
  return `CHECK (${q.ident(column.name)} IN (${e.values.map(q.string).join(', ')}))`;
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
      return `(${q.expression(value.sql)})`;
  }
}

/** SQL Server indexes name columns only; an index over an expression is left out (with a comment). */
export function createIndex(table: TableModel, index: IndexModel): string {
  if (index.parts.some((p) => p.kind === 'expression')) {
    return `-- index ${index.name.replace(/\s+/g, ' ')} left out: SQL Server cannot index an expression`;
  }
  const unique = index.unique ? 'UNIQUE ' : '';
  const parts = index.parts.map((p) => q.ident(p.value)).join(', ');
  return `CREATE ${unique}INDEX ${q.ident(index.name)} ON ${q.table(table)} (${parts})`;
}
