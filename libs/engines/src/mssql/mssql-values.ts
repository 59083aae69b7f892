import type { Column } from '@sqlfleet/contracts';
import { decimalText } from './decimal-text.ts';

/** A result column as mssql describes it in its `recordset` event (array row mode). */
export interface MssqlColumnMeta {
  name: string;
  /** mssql's type function (`sql.TYPES.Int`...), whose `declaration` is the SQL Server type name. */
  type?: unknown;
  scale?: number;
  precision?: number;
  /** Set for CLR types (`hierarchyid`, `geography`...). */
  udt?: { name?: string };
}

/** SQL Server's own name for a column's type (`int`, `nvarchar`, `datetime2`, `sql_variant`...). */
export function sqlTypeName(column: MssqlColumnMeta): string {
  const declared = (column.type as { declaration?: unknown } | undefined)?.declaration;
  if (declared === 'variant') return 'sql_variant';
  if (typeof declared === 'string' && declared !== 'udt') return declared;
  return column.udt?.name?.toLowerCase() ?? (typeof declared === 'string' ? declared : 'unknown');
}

export function toColumn(column: MssqlColumnMeta): Column {
  return { name: column.name, type: sqlTypeName(column) };
}

type Convert = (value: unknown) => unknown;

/**
 * Builds the converter that makes a row as tedious returns it JSON-safe: BIGINT and exact numerics
 * as strings, date and time types as ISO text, binary as base64, NULL as null.
 * The connection runs with `useUTC: true`, so the UTC fields of a Date are the server's wall-clock
 * fields whatever the worker's time zone.
 */
export function rowConverter(columns: readonly MssqlColumnMeta[]): (row: readonly unknown[]) => unknown[] {
  const converters = columns.map(columnConverter);
  return (row) =>
    row.map((value, i) => (value === null || value === undefined ? null : (converters[i] ?? plain)(value)));
}

function columnConverter(column: MssqlColumnMeta): Convert {
  const scale = column.scale;
  switch (sqlTypeName(column)) {
    case 'decimal':
    case 'numeric':
      return (v) => (typeof v === 'number' ? decimalText(v, scale ?? 0) : String(v));
    case 'money':
    case 'smallmoney':
      return (v) => (typeof v === 'number' ? decimalText(v, 4) : String(v));
    case 'bigint':
      return String;
    case 'date':
      return (v) => (v instanceof Date ? datePart(v) : plain(v));
    case 'time':
      return (v) => (v instanceof Date ? timePart(v, scale ?? 7) : plain(v));
    case 'smalldatetime':
      return (v) => (v instanceof Date ? `${datePart(v)}T${timePart(v, 0)}` : plain(v));
    case 'datetime':
      return (v) => (v instanceof Date ? `${datePart(v)}T${timePart(v, 3)}` : plain(v));
    case 'datetime2':
      return (v) => (v instanceof Date ? `${datePart(v)}T${timePart(v, scale ?? 7)}` : plain(v));
    case 'datetimeoffset':
      // tedious reads the offset off the wire and drops it: the instant is right, shown in UTC.
      return (v) => (v instanceof Date ? `${datePart(v)}T${timePart(v, scale ?? 7)}Z` : plain(v));
    default:
      return plain;
  }
}

/** Any other value: binary (also unknown CLR types) as base64, dates of `sql_variant` as ISO. */
function plain(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  return value;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function datePart(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** `HH:mm:ss` plus `digits` fraction digits, with tedious's sub-millisecond `nanosecondsDelta`. */
function timePart(d: Date, digits: number): string {
  const clock = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  if (digits <= 0) return clock;
  const delta = (d as Date & { nanosecondsDelta?: number }).nanosecondsDelta ?? 0;
  const ticks = d.getUTCMilliseconds() * 10_000 + Math.round(delta * 1e7);
  return `${clock}.${pad(ticks, 7).slice(0, digits)}`;
}
