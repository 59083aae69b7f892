import type { ColumnModel, EnumModel, IndexModel, TableModel } from '../model.ts';
import { columnSql, createTableSql, enumOf } from '../table-sql.ts';
import { mssqlQuoting as q } from './quote.ts';
import { mssqlType } from './types.ts';

export function createTable(table: TableModel, enums: EnumModel[]): string {
  const columns = table.columns.map((c) =>
    columnSql(c, q, {
      type: mssqlType(c),
      defaultExpression: (sql) => `(${q.expression(sql)})`,
      trailing: enumCheck(c, enums),
    }),
  );
  return createTableSql(table, columns, q);
}

/** SQL Server has no enum type: the column is text limited to the enum's values. */
function enumCheck(column: ColumnModel, enums: EnumModel[]): string | null {
  const e = enumOf(column, enums);
  if (!e) return null;
  return `CHECK (${q.ident(column.name)} IN (${e.values.map(q.string).join(', ')}))`;
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
