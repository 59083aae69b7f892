import sql from 'mssql';
import dt from 'tedious/lib/data-type.js';
import vp from 'tedious/lib/value-parser.js';
import { describe, expect, it } from 'vitest';
import { type MssqlColumnMeta, rowConverter, sqlTypeName, toColumn } from './mssql-values.ts';

/**
 * Raw values come from tedious's own value parser reading TDS wire bytes, so the tests see exactly
 * what the driver hands over (numbers for decimals, Dates with `nanosecondsDelta`, ...).
 */
function tediousValue(typeId: number, bytes: number[], meta: { scale?: number; precision?: number } = {}): unknown {
  const metadata = { type: dt.TYPE[typeId], ...meta } as unknown as Parameters<typeof vp.readValue>[2];
  return vp.readValue(Buffer.from(bytes), 0, metadata, { useUTC: true } as Parameters<typeof vp.readValue>[3]).value;
}

const le = (value: bigint, width: number) => {
  const out: number[] = [];
  let v = value;
  for (let i = 0; i < width; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return out;
};

/** Days from 0001-01-01 to a date, as TDS sends DATE, DATETIME2 and DATETIMEOFFSET. */
const tdsDays = (iso: string) => (Date.parse(`${iso}T00:00:00Z`) - Date.parse('0001-01-01T00:00:00Z')) / 86_400_000;

const col = (name: string, type: unknown, extra: Partial<MssqlColumnMeta> = {}): MssqlColumnMeta => ({
  name,
  type,
  ...extra,
});

const convert = (column: MssqlColumnMeta, value: unknown) => rowConverter([column])([value])[0];

describe('sqlTypeName', () => {
  it('uses SQL Server names', () => {
    expect(sqlTypeName(col('a', sql.TYPES.Int))).toBe('int');
    expect(sqlTypeName(col('a', sql.TYPES.NVarChar))).toBe('nvarchar');
    expect(sqlTypeName(col('a', sql.TYPES.DateTime2))).toBe('datetime2');
    expect(sqlTypeName(col('a', sql.TYPES.Variant))).toBe('sql_variant');
    expect(sqlTypeName(col('a', sql.TYPES.UDT, { udt: { name: 'hierarchyid' } }))).toBe('hierarchyid');
    expect(sqlTypeName(col('a', undefined))).toBe('unknown');
  });

  it('keeps duplicate column names as separate columns', () => {
    expect([col('a', sql.TYPES.Int), col('a', sql.TYPES.Int)].map(toColumn)).toEqual([
      { name: 'a', type: 'int' },
      { name: 'a', type: 'int' },
    ]);
  });
});

describe('rowConverter', () => {
  it('gives DECIMAL as fixed-scale text', () => {
    const raw = tediousValue(0x6a, [17, 1, ...le(123456789012345n, 16)], { precision: 18, scale: 4 });
    expect(raw).toBe(12345678901.2345);
    expect(convert(col('d', sql.TYPES.Decimal, { precision: 18, scale: 4 }), raw)).toBe('12345678901.2345');
    const negative = tediousValue(0x6c, [5, 0, ...le(150n, 4)], { precision: 5, scale: 2 });
    expect(convert(col('n', sql.TYPES.Numeric, { precision: 5, scale: 2 }), negative)).toBe('-1.50');
  });

  it('gives MONEY with its four decimals', () => {
    const raw = tediousValue(0x6e, [8, ...le(0n, 4), ...le(12_345_678n, 4)]);
    expect(convert(col('m', sql.TYPES.Money), raw)).toBe('1234.5678');
  });

  it('gives BIGINT as a string with every digit', () => {
    const raw = tediousValue(0x26, [8, ...le(2n ** 63n - 1n, 8)]);
    expect(convert(col('b', sql.TYPES.BigInt), raw)).toBe('9223372036854775807');
  });

  it('gives DATE and DATETIME2 as ISO text with the column scale', () => {
    const date = tediousValue(0x28, [3, ...le(BigInt(tdsDays('2024-02-29')), 3)]);
    expect(convert(col('d', sql.TYPES.Date), date)).toBe('2024-02-29');
    const ticks = ((13n * 60n + 5n) * 60n + 9n) * 10_000_000n + 1_234_567n;
    const dt2 = tediousValue(0x2a, [8, ...le(ticks, 5), ...le(BigInt(tdsDays('0001-01-01')), 3)], { scale: 7 });
    expect(convert(col('t', sql.TYPES.DateTime2, { scale: 7 }), dt2)).toBe('0001-01-01T13:05:09.1234567');
    const dt0 = tediousValue(0x2a, [6, ...le(47_109n, 3), ...le(BigInt(tdsDays('9999-12-31')), 3)], { scale: 0 });
    expect(convert(col('t', sql.TYPES.DateTime2, { scale: 0 }), dt0)).toBe('9999-12-31T13:05:09');
  });

  it('gives DATETIMEOFFSET as the UTC instant', () => {
    const ticks = 3_600n * 10_000_000n; // 01:00:00 UTC, sent with a +02:00 offset
    const raw = tediousValue(0x2b, [10, ...le(ticks, 5), ...le(BigInt(tdsDays('2024-06-01')), 3), ...le(120n, 2)], {
      scale: 7,
    });
    expect(convert(col('o', sql.TYPES.DateTimeOffset, { scale: 7 }), raw)).toBe('2024-06-01T01:00:00.0000000Z');
  });

  it('gives DATETIME with milliseconds and TIME with its scale', () => {
    const days = (Date.parse('2020-01-02T00:00:00Z') - Date.parse('1900-01-01T00:00:00Z')) / 86_400_000;
    const raw = tediousValue(0x6f, [8, ...le(BigInt(days), 4), ...le(300n * 3600n + 299n, 4)]);
    expect(convert(col('x', sql.TYPES.DateTime), raw)).toBe('2020-01-02T01:00:00.997');
    const time = tediousValue(0x29, [3, ...le(4_500n, 3)], { scale: 2 });
    expect(convert(col('x', sql.TYPES.Time, { scale: 2 }), time)).toBe('00:00:45.00');
  });

  it('gives binary as base64, GUIDs as text and NULL as null', () => {
    const guid = tediousValue(0x24, [16, ...Array.from({ length: 16 }, (_, i) => i)]);
    const row = rowConverter([
      col('b', sql.TYPES.VarBinary),
      col('g', sql.TYPES.UniqueIdentifier),
      col('n', sql.TYPES.Int),
      col('s', sql.TYPES.NVarChar),
      col('bit', sql.TYPES.Bit),
    ])([Buffer.from([0xde, 0xad, 0xbe, 0xef]), guid, null, 'héllo', true]);
    expect(row).toEqual(['3q2+7w==', '03020100-0504-0706-0809-0A0B0C0D0E0F', null, 'héllo', true]);
    expect(JSON.parse(JSON.stringify(row))).toEqual(row);
  });
});
