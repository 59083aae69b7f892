import type { ColumnDefault, ColumnModel, EnumModel, TableModel } from './model.ts';
import type { Quoting } from './quoting.ts';

/** What one dialect puts into the column definition that all dialects share. */
export interface ColumnSyntax {
  /** The column's type in this dialect. */
  type: string;
  /** How an author's SQL default (DBML backticks) is written after DEFAULT. */
  defaultExpression(sql: string): string;
  /** Written after NOT NULL when the database numbers the rows (MySQL); other dialects say it through the type. */
  autoIncrement?: string;
  /** Written last: a MySQL COMMENT, a SQL Server enum CHECK. */
  trailing?: string | null;
}

/** `CREATE TABLE name (columns, PRIMARY KEY (…))`, one column definition a line. */
export function createTableSql(table: TableModel, columns: string[], q: Quoting): string {
  const lines = [...columns];
  if (table.primaryKey.length > 0) lines.push(`PRIMARY KEY (${table.primaryKey.map(q.ident).join(', ')})`);
  return `CREATE TABLE ${q.table(table)} (\n  ${lines.join(',\n  ')}\n)`;
}

/** `name type [NOT NULL] [AUTO_INCREMENT] [UNIQUE] [DEFAULT …] […]`. */
export function columnSql(column: ColumnModel, q: Quoting, syntax: ColumnSyntax): string {
  const parts = [q.ident(column.name), syntax.type];
  if (column.notNull) parts.push('NOT NULL');
  if (column.autoIncrement && syntax.autoIncrement) parts.push(syntax.autoIncrement);
  if (column.unique) parts.push('UNIQUE');
  if (column.default) parts.push(`DEFAULT ${defaultSql(column.default, q, syntax.defaultExpression)}`);
  if (syntax.trailing) parts.push(syntax.trailing);
  return parts.join(' ');
}

function defaultSql(value: ColumnDefault, q: Quoting, expression: (sql: string) => string): string {
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
      return expression(value.sql);
  }
}

/** The DBML enum a column's type names, if it names one. */
export function enumOf(column: ColumnModel, enums: EnumModel[]): EnumModel | undefined {
  const ref = column.type.enumRef;
  return ref ? enums.find((e) => e.schema === ref.schema && e.name === ref.name) : undefined;
}
