import type { ColumnDefault, ColumnModel, EnumModel, IndexModel, TableModel } from '../model.ts';
import { mysqlQuoting as q } from './quote.ts';
import { mysqlType } from './types.ts';

/** MySQL refuses longer comments in strict mode. */
const MAX_COLUMN_COMMENT = 1024;
const MAX_TABLE_COMMENT = 2048;

const CURRENT_TIMESTAMP = new Set(['now()', 'current_timestamp', 'current_timestamp()', 'localtimestamp']);

export function createTable(table: TableModel, enums: EnumModel[]): string {
  const lines = table.columns.map((c) => columnSql(c, enumValuesOf(c, enums)));
  if (table.primaryKey.length > 0) lines.push(`PRIMARY KEY (${table.primaryKey.map(q.ident).join(', ')})`);
  const comment = table.note ? ` COMMENT=${q.string(table.note.slice(0, MAX_TABLE_COMMENT))}` : '';
  const skipped = table.indexes
    .filter(onExpression)
    .map((i) => `-- index ${i.name.replace(/\s+/g, ' ')} left out: MariaDB cannot index an expression\n`);
  // utf8mb4 whatever the server's default, so that every Unicode character (emoji too) fits.
  return `${skipped.join('')}CREATE TABLE ${q.table(table)} (\n  ${lines.join(',\n  ')}\n) DEFAULT CHARSET=utf8mb4${comment}`;
}

function enumValuesOf(column: ColumnModel, enums: EnumModel[]): string[] | null {
  const ref = column.type.enumRef;
  if (!ref) return null;
  return enums.find((e) => e.schema === ref.schema && e.name === ref.name)?.values ?? null;
}

function columnSql(column: ColumnModel, enumValues: string[] | null): string {
  const parts = [q.ident(column.name), mysqlType(column, enumValues)];
  if (column.notNull) parts.push('NOT NULL');
  if (column.autoIncrement) parts.push('AUTO_INCREMENT');
  if (column.unique) parts.push('UNIQUE');
  if (column.default) parts.push(`DEFAULT ${defaultSql(column.default)}`);
  if (column.note) parts.push(`COMMENT ${q.string(column.note.slice(0, MAX_COLUMN_COMMENT))}`);
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
      // CURRENT_TIMESTAMP is the one function both MySQL 8 and MariaDB take bare; MySQL 8 wants other expressions in parentheses.
      return CURRENT_TIMESTAMP.has(value.sql.trim().toLowerCase()) ? 'CURRENT_TIMESTAMP' : `(${value.sql})`;
  }
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
