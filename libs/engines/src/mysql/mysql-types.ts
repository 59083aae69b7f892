import type { FieldPacket, TypeCast } from 'mysql2';

const BINARY_CHARSET = 63;
const UNSIGNED_FLAG = 32;
const ENUM_FLAG = 256;
const NUMERIC_CODES: ReadonlySet<number> = new Set([0, 1, 2, 3, 4, 5, 8, 9, 246]);
const SET_FLAG = 2048;

/** Wire type codes to the SQL type names a student wrote. */
const TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'DECIMAL'],
  [1, 'TINYINT'],
  [2, 'SMALLINT'],
  [3, 'INT'],
  [4, 'FLOAT'],
  [5, 'DOUBLE'],
  [6, 'NULL'],
  [7, 'TIMESTAMP'],
  [8, 'BIGINT'],
  [9, 'MEDIUMINT'],
  [10, 'DATE'],
  [11, 'TIME'],
  [12, 'DATETIME'],
  [13, 'YEAR'],
  [14, 'DATE'],
  [15, 'VARCHAR'],
  [16, 'BIT'],
  [245, 'JSON'],
  [246, 'DECIMAL'],
  [247, 'ENUM'],
  [248, 'SET'],
  [249, 'TINYTEXT'],
  [250, 'MEDIUMTEXT'],
  [251, 'LONGTEXT'],
  [252, 'TEXT'],
  [253, 'VARCHAR'],
  [254, 'CHAR'],
  [255, 'GEOMETRY'],
]);

/** The same codes when the column's character set is `binary`. */
const BINARY_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [15, 'VARBINARY'],
  [249, 'TINYBLOB'],
  [250, 'MEDIUMBLOB'],
  [251, 'LONGBLOB'],
  [252, 'BLOB'],
  [253, 'VARBINARY'],
  [254, 'BINARY'],
]);

export function mysqlTypeName(field: FieldPacket): string {
  const code = field.columnType ?? field.type ?? -1;
  const flags = typeof field.flags === 'number' ? field.flags : 0;
  if (flags & ENUM_FLAG) return 'ENUM';
  if (flags & SET_FLAG) return 'SET';
  const binary = field.characterSet === BINARY_CHARSET ? BINARY_TYPE_NAMES.get(code) : undefined;
  const name = binary ?? TYPE_NAMES.get(code) ?? `TYPE_${code}`;
  // MariaDB flags TIMESTAMP unsigned too: only numbers say so.
  return flags & UNSIGNED_FLAG && NUMERIC_CODES.has(code) ? `${name} UNSIGNED` : name;
}

/**
 * Binary values (BLOB, BINARY, BIT, GEOMETRY) as base64; everything else as mysql2 gives it with
 * `dateStrings`, `bigNumberStrings` and `decimalNumbers: false`: the database's own text.
 */
export const mysqlTypeCast: TypeCast = (field, next) => {
  if (field.type === 'GEOMETRY') return field.buffer()?.toString('base64') ?? null;
  const value: unknown = next();
  return Buffer.isBuffer(value) ? value.toString('base64') : value;
};
