import type { ColumnModel } from '../model.ts';

/**
 * T-SQL spellings of the types DBML authors write. `boolean` does not exist, `timestamp` is
 * rowversion (not a date), VARCHAR without a length is one character, and only N-types
 * hold any Unicode text.
 */
const RENAMED: Record<string, string> = {
  bool: 'BIT',
  boolean: 'BIT',
  timestamp: 'DATETIME2',
  'timestamp without time zone': 'DATETIME2',
  datetime: 'DATETIME2',
  timestamptz: 'DATETIMEOFFSET',
  'timestamp with time zone': 'DATETIMEOFFSET',
  timetz: 'TIME',
  'time with time zone': 'TIME',
  'time without time zone': 'TIME',
  serial: 'INT',
  serial4: 'INT',
  smallserial: 'SMALLINT',
  bigserial: 'BIGINT',
  serial8: 'BIGINT',
  integer: 'INT',
  int2: 'SMALLINT',
  int4: 'INT',
  int8: 'BIGINT',
  mediumint: 'INT',
  double: 'FLOAT',
  'double precision': 'FLOAT',
  float8: 'FLOAT',
  float4: 'REAL',
  varchar: 'NVARCHAR',
  'character varying': 'NVARCHAR',
  char: 'NCHAR',
  character: 'NCHAR',
  text: 'NVARCHAR(MAX)',
  citext: 'NVARCHAR(MAX)',
  tinytext: 'NVARCHAR(MAX)',
  mediumtext: 'NVARCHAR(MAX)',
  longtext: 'NVARCHAR(MAX)',
  json: 'NVARCHAR(MAX)',
  jsonb: 'NVARCHAR(MAX)',
  uuid: 'UNIQUEIDENTIFIER',
  bytea: 'VARBINARY(MAX)',
  blob: 'VARBINARY(MAX)',
};

/** Lengths where T-SQL's own default would silently cut text. */
const DEFAULT_LENGTH: Record<string, string> = { NVARCHAR: '255', VARCHAR: '255' };

/** Enums become text constrained by a CHECK (see ddl.ts). */
const ENUM_TYPE = 'NVARCHAR(255)';

export function mssqlType(column: ColumnModel): string {
  const { type } = column;
  if (type.enumRef) return ENUM_TYPE;
  const base = RENAMED[type.base] ?? type.base.toUpperCase();
  if (base.endsWith(')')) return base;
  const args = type.args ?? DEFAULT_LENGTH[base] ?? null;
  const written = args === null ? base : `${base}(${args})`;
  return column.autoIncrement ? `${written} IDENTITY(1,1)` : written;
}
