import { describe, expect, it } from 'vitest';
import { bracket, MssqlServerAdmin, nLiteral, startsWithPattern } from './mssql-server-admin.ts';

describe('mssql admin SQL text', () => {
  it('brackets only safe names and refuses anything else before it reaches SQL', () => {
    expect(bracket('fleet_0a1b')).toBe('[fleet_0a1b]');
    for (const bad of ['a]; DROP DATABASE x; --', 'Fleet', 'a b', '', 'x'.repeat(64)]) {
      expect(() => bracket(bad)).toThrow(/unsafe sandbox name/);
    }
  });

  it("doubles quotes in N'' literals", () => {
    expect(nLiteral("pa'ss")).toBe("N'pa''ss'");
  });

  it('escapes LIKE wildcards so a prefix matches only itself', () => {
    expect(startsWithPattern('fleet_')).toBe('fleet\\_%');
    expect(startsWithPattern('a%[b\\')).toBe('a\\%\\[b\\\\%');
  });

  it('takes its endpoint from the admin URL without connecting', async () => {
    const admin = new MssqlServerAdmin({ url: 'mssql://sa:p%40ss@db.internal:14330' });
    expect(admin.endpoint).toEqual({ host: 'db.internal', port: 14330 });
    expect(new MssqlServerAdmin({ url: 'mssql://sa:x@db.internal' }).endpoint.port).toBe(1433);
    await admin.close();
  });
});
