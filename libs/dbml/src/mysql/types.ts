import type { ColumnModel } from '../model.ts';
import { mysqlQuoting as q } from './quote.ts';

/** Types MySQL and MariaDB spell differently, or need a length for. */
const RENAMED: Record<string, string> = {
  // MySQL's SERIAL is BIGINT UNSIGNED, which an INT foreign key could not reference.
  serial: 'int',
  serial4: 'int',
  smallserial: 'smallint',
  bigserial: 'bigint',
  serial8: 'bigint',
  int2: 'smallint',
  int4: 'int',
  int8: 'bigint',
  float4: 'float',
  float8: 'double',
  bool: 'boolean',
  timestamptz: 'timestamp',
  'timestamp with time zone': 'timestamp',
  'timestamp without time zone': 'timestamp',
  timetz: 'time',
  'time with time zone': 'time',
  'time without time zone': 'time',
  datetime2: 'datetime',
  'character varying': 'varchar',
  nvarchar: 'varchar',
  nchar: 'char',
  citext: 'text',
  jsonb: 'json',
  uuid: 'char(36)',
  bytea: 'blob',
};

/** The column's type in MySQL/MariaDB; enums are written inline as ENUM(…). */
export function mysqlType(column: ColumnModel, enumValues: string[] | null): string {
  if (enumValues) return `ENUM(${enumValues.map(q.string).join(', ')})`;
  const { type } = column;
  const base = RENAMED[type.base] ?? type.base;
  if (type.args !== null) return `${base}(${type.args})`;
  // MySQL has no VARCHAR without a length.
  return base === 'varchar' ? 'varchar(255)' : base;
}
