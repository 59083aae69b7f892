import { describe, expect, it } from 'vitest';
import { byteaToBase64, POSTGRES_TYPES } from './postgres-types.ts';

const parse = (oid: number, text: string): unknown =>
  (POSTGRES_TYPES.getTypeParser(oid, 'text') as (t: string) => unknown)(text);

describe('postgres value parsing', () => {
  it('reads bytea in hex and in the escape format', () => {
    expect(byteaToBase64('\\x00ff10')).toBe(Buffer.from([0, 255, 16]).toString('base64'));
    expect(byteaToBase64('a\\000\\\\\\377')).toBe(Buffer.from([97, 0, 92, 255]).toString('base64'));
  });

  it('keeps int8, numeric and timestamps as the database text', () => {
    expect(parse(20, '9007199254740993')).toBe('9007199254740993');
    expect(parse(1700, '0.1000000000000000000001')).toBe('0.1000000000000000000001');
    expect(parse(1184, '2024-01-01 12:00:00+01')).toBe('2024-01-01 12:00:00+01');
  });

  it('converts what JSON holds exactly, and leaves non-finite floats as text', () => {
    expect(parse(16, 't')).toBe(true);
    expect(parse(23, '-42')).toBe(-42);
    expect(parse(701, '1.5')).toBe(1.5);
    expect(parse(701, 'Infinity')).toBe('Infinity');
  });
});
