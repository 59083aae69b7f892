import { describe, expect, it } from 'vitest';
import { compileSchema } from './compile-schema.ts';

const dbml = `Table users { id int [pk]\n name varchar\n ok boolean }\nTable s.items { id int [pk] }\nRecords users(id, name) { 1, 'rec' }`;
const compile = (data: unknown) => compileSchema({ engine: 'postgres', dbml, data: data as never });

describe('sample data', () => {
  it('appends data rows after the Records rows, converting text booleans', () => {
    const seed = compile({ users: [{ id: 2, name: 'data', ok: 'false' }] }).batches[1] ?? '';
    expect(seed.indexOf("(1, 'rec')")).toBeLessThan(seed.indexOf("(2, 'data', FALSE)"));
  });

  it('finds tables of a named schema by schema.table, and by a name used once', () => {
    expect(compile({ 's.items': [{ id: 1 }] }).batches[1]).toContain('INSERT INTO "s"."items"');
    expect(compile({ items: [{ id: 2 }] }).batches[1]).toContain('INSERT INTO "s"."items"');
  });

  it('refuses an unknown table, naming it', () => {
    expect(() => compile({ nope: [] })).toThrow(
      expect.objectContaining({ code: 'DATA_INVALID', details: { table: 'nope', column: null } }),
    );
  });

  it('refuses an unknown column, naming table and column', () => {
    expect(() => compile({ users: [{ id: 3, email: 'x' }] })).toThrow(
      expect.objectContaining({ code: 'DATA_INVALID', details: { table: 'users', column: 'email' } }),
    );
  });

  it('refuses rows that are not an array of objects', () => {
    expect(() => compile({ users: { id: 1 } })).toThrow(expect.objectContaining({ code: 'DATA_INVALID' }));
    expect(() => compile({ users: [[1]] })).toThrow(expect.objectContaining({ code: 'DATA_INVALID' }));
    expect(() => compile([])).toThrow(expect.objectContaining({ code: 'DATA_INVALID' }));
  });

  it('refuses data when there is no DBML', () => {
    expect(() => compileSchema({ engine: 'mysql', data: { users: [] } })).toThrow(
      expect.objectContaining({ code: 'DATA_INVALID', details: { table: 'users', column: null } }),
    );
  });
});
