import { describe, expect, it } from 'vitest';
import { mssqlQuoting } from './mssql/quote.ts';
import { mysqlQuoting } from './mysql/quote.ts';
import { postgresQuoting } from './postgres/quote.ts';
import { toUtcParts } from './temporal.ts';

describe('identifiers', () => {
  it('doubles each dialect’s own closing quote', () => {
    expect(postgresQuoting.ident('a"b')).toBe('"a""b"');
    expect(mysqlQuoting.ident('a`b')).toBe('`a``b`');
    expect(mssqlQuoting.ident('a]b[')).toBe('[a]]b[]');
  });

  it('qualifies named schemas (MySQL folds them into the table name)', () => {
    expect(postgresQuoting.table({ schema: 's', name: 't' })).toBe('"s"."t"');
    expect(mssqlQuoting.table({ schema: 's', name: 't' })).toBe('[s].[t]');
    expect(mysqlQuoting.table({ schema: 's', name: 't' })).toBe('`s_t`');
    expect(postgresQuoting.table({ schema: null, name: 't' })).toBe('"t"');
  });
});

describe('string literals', () => {
  const text = "O'Brien \\ Zoë 日本 😀";
  it('postgres doubles quotes and leaves backslashes alone (standard strings)', () => {
    expect(postgresQuoting.string(text)).toBe("'O''Brien \\ Zoë 日本 😀'");
  });
  it('mysql doubles quotes and escapes backslashes, NUL and Ctrl-Z', () => {
    expect(mysqlQuoting.string(text)).toBe("'O''Brien \\\\ Zoë 日本 😀'");
    expect(mysqlQuoting.string('a\0b\x1a')).toBe("'a\\0b\\Z'");
  });
  it('mssql writes N-strings with doubled quotes', () => {
    expect(mssqlQuoting.string(text)).toBe("N'O''Brien \\ Zoë 日本 😀'");
  });
});

describe('timestamps for engines without zones', () => {
  it('keeps UTC and local timestamps, converts offsets to UTC', () => {
    expect(toUtcParts('2024-01-02 03:04:05')).toEqual({ date: '2024-01-02', time: '03:04:05' });
    expect(toUtcParts('2024-01-02T03:04:05.123Z')).toEqual({ date: '2024-01-02', time: '03:04:05.123' });
    expect(toUtcParts('2024-01-02T01:30:00+02:00')).toEqual({ date: '2024-01-01', time: '23:30:00.000' });
    expect(toUtcParts('yesterday')).toBeNull();
  });
  it('writes them as each engine reads them', () => {
    expect(mysqlQuoting.temporal('2024-01-02T03:04:05Z', 'datetime')).toBe("'2024-01-02 03:04:05'");
    expect(mssqlQuoting.temporal('2024-01-02 03:04:05', 'datetime')).toBe("N'2024-01-02T03:04:05'");
    expect(postgresQuoting.temporal('2024-01-02T03:04:05+02:00', 'datetime')).toBe("'2024-01-02T03:04:05+02:00'");
  });
});
