import { type ColumnModel, RawSql, type SeedValue } from './model.ts';
import type { Quoting } from './quoting.ts';

const TRUE_TEXT = new Set(['true', 't', 'yes', 'y', '1', 'on']);
const FALSE_TEXT = new Set(['false', 'f', 'no', 'n', '0', 'off']);

/** One seed value written as a literal for its column, in the dialect of `q`. */
export function literal(value: SeedValue, column: ColumnModel, q: Quoting): string {
  const { kind } = column.type;
  if (value === null) return 'NULL';
  if (value instanceof RawSql) return q.expression(value.sql);
  if (typeof value === 'boolean') return kind === 'string' ? q.string(String(value)) : q.boolean(value);
  if (typeof value === 'number') {
    if (kind === 'boolean') return q.boolean(value !== 0);
    const numeric = kind === 'integer' || kind === 'number' || kind === 'other';
    return numeric && Number.isFinite(value) ? String(value) : q.string(String(value));
  }
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (kind === 'boolean' && TRUE_TEXT.has(lower)) return q.boolean(true);
    if (kind === 'boolean' && FALSE_TEXT.has(lower)) return q.boolean(false);
    if (kind === 'datetime' || kind === 'date' || kind === 'time') return q.temporal(value, kind);
    if (kind === 'enum') return q.enumValue(value, column.type);
    return q.string(value);
  }
  return q.string(JSON.stringify(value));
}
