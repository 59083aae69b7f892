import type { CustomTypesConfig } from 'pg';

/**
 * Names of the built-in types by OID (pg_type.typname); OIDs of user types (enums, domains)
 * differ per database and are looked up instead.
 */
export const BUILTIN_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [16, 'bool'],
  [17, 'bytea'],
  [18, 'char'],
  [19, 'name'],
  [20, 'int8'],
  [21, 'int2'],
  [23, 'int4'],
  [24, 'regproc'],
  [25, 'text'],
  [26, 'oid'],
  [114, 'json'],
  [142, 'xml'],
  [199, '_json'],
  [600, 'point'],
  [650, 'cidr'],
  [700, 'float4'],
  [701, 'float8'],
  [705, 'unknown'],
  [774, 'macaddr8'],
  [790, 'money'],
  [829, 'macaddr'],
  [869, 'inet'],
  [1000, '_bool'],
  [1001, '_bytea'],
  [1005, '_int2'],
  [1007, '_int4'],
  [1009, '_text'],
  [1015, '_varchar'],
  [1016, '_int8'],
  [1021, '_float4'],
  [1022, '_float8'],
  [1042, 'bpchar'],
  [1043, 'varchar'],
  [1082, 'date'],
  [1083, 'time'],
  [1114, 'timestamp'],
  [1115, '_timestamp'],
  [1182, '_date'],
  [1184, 'timestamptz'],
  [1185, '_timestamptz'],
  [1186, 'interval'],
  [1231, '_numeric'],
  [1266, 'timetz'],
  [1560, 'bit'],
  [1562, 'varbit'],
  [1700, 'numeric'],
  [2249, 'record'],
  [2278, 'void'],
  [2950, 'uuid'],
  [2951, '_uuid'],
  [3614, 'tsvector'],
  [3802, 'jsonb'],
  [3807, '_jsonb'],
  [3904, 'int4range'],
]);

const asNumber = (text: string): number => Number(text);
// NaN and ±Infinity have no JSON form: they stay text.
const asFloat = (text: string): number | string => {
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
};

/**
 * Values come back as the database's own text (int8, numeric, dates, timestamps, json, arrays),
 * so nothing is rounded or moved to local time; only values JSON holds exactly are converted.
 */
const PARSERS: ReadonlyMap<number, (text: string) => unknown> = new Map<number, (text: string) => unknown>([
  [16, (text) => text === 't'],
  [21, asNumber],
  [23, asNumber],
  [26, asNumber],
  [700, asFloat],
  [701, asFloat],
  [17, byteaToBase64],
]);

const asText = (text: string): string => text;

export const POSTGRES_TYPES: CustomTypesConfig = {
  getTypeParser: ((oid: number) => PARSERS.get(oid) ?? asText) as CustomTypesConfig['getTypeParser'],
};

/** bytea text (`\x…` hex, or the `escape` format a script may switch to) to base64. */
export function byteaToBase64(text: string): string {
  if (text.startsWith('\\x')) return Buffer.from(text.slice(2), 'hex').toString('base64');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '\\' && text[i + 1] === '\\') {
      bytes.push(92);
      i += 1;
    } else if (text[i] === '\\') {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(text.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('base64');
}
