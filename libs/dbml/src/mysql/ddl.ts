import type { EnumModel, IndexModel, TableModel } from '../model.ts';
import { columnSql, createTableSql, enumOf } from '../table-sql.ts';
import { mysqlQuoting as q } from './quote.ts';
import { mysqlType } from './types.ts';

/** MySQL refuses longer comments in strict mode. */
const MAX_COLUMN_COMMENT = 1024;
const MAX_TABLE_COMMENT = 2048;

const CURRENT_TIMESTAMP = new Set(['now()', 'current_timestamp', 'current_timestamp()', 'localtimestamp']);

export function createTable(table: TableModel, enums: EnumModel[]): string {
  const columns = table.columns.map((c) =>
    columnSql(c, q, {
      type: mysqlType(c, enumOf(c, enums)?.values ?? null),
      defaultExpression,
      autoIncrement: 'AUTO_INCREMENT',
      trailing: c.note ? `COMMENT ${q.string(c.note.slice(0, MAX_COLUMN_COMMENT))}` : null,
    }),
  );
  const comment = table.note ? ` COMMENT=${q.string(table.note.slice(0, MAX_TABLE_COMMENT))}` : '';
  const skipped = table.indexes
    .filter(onExpression)
    .map((i) => `-- index ${i.name.replace(/\s+/g, ' ')} left out: MariaDB cannot index an expression\n`);
  // utf8mb4 whatever the server's default, so that every Unicode character (emoji too) fits.
  return `${skipped.join('')}${createTableSql(table, columns, q)} DEFAULT CHARSET=utf8mb4${comment}`;
}

/** CURRENT_TIMESTAMP is the one function both MySQL 8 and MariaDB take bare; MySQL 8 wants other expressions in parentheses. */
function defaultExpression(sql: string): string {
  return CURRENT_TIMESTAMP.has(sql.trim().toLowerCase()) ? 'CURRENT_TIMESTAMP' : `(${sql})`;
}

const onExpression = (index: IndexModel): boolean => index.parts.some((p) => p.kind === 'expression');

/** MariaDB has no functional indexes: an index over an expression is left out (CREATE TABLE says so). */
export function createIndex(table: TableModel, index: IndexModel): string | null {
  if (onExpression(index)) return null;
  const unique = index.unique ? 'UNIQUE ' : '';
  const using = index.method === 'btree' || index.method === 'hash' ? ` USING ${index.method.toUpperCase()}` : '';
  const parts = index.parts.map((p) => q.ident(p.value)).join(', ');
  return `CREATE ${unique}INDEX ${q.ident(index.name)}${using} ON ${q.table(table)} (${parts})`;
}
