import { afterAll, describe, expect, it } from 'vitest';
import { compileSchema } from './compile-schema.ts';
import { SchemaCompiler } from './schema-compiler.ts';

const compiler = new SchemaCompiler({ idleMs: 200 });
afterAll(() => compiler.close());

const DBML = "Table people {\n  id int [pk, increment]\n  name varchar\n}\nRecords people(id, name) {\n  1, 'Ada'\n}";

describe('SchemaCompiler (a worker thread)', () => {
  it('compiles to exactly what compileSchema gives, several at once', { timeout: 30_000 }, async () => {
    const inputs = (['postgres', 'mysql', 'mssql'] as const).map((engine) => ({ engine, dbml: DBML }));
    const compiled = await Promise.all(inputs.map((input) => compiler.compile(input)));
    expect(compiled).toEqual(inputs.map((input) => compileSchema(input)));
  });

  it('rejects bad DBML with DBML_INVALID and its line and column', { timeout: 30_000 }, async () => {
    await expect(compiler.compile({ engine: 'postgres', dbml: 'Table a {\n  id int [pk\n}' })).rejects.toMatchObject({
      code: 'DBML_INVALID',
      details: { line: expect.any(Number), column: expect.any(Number) },
    });
  });

  it('ends its thread when idle and starts another for the next compile', { timeout: 30_000 }, async () => {
    await compiler.compile({ engine: 'mysql', dbml: DBML });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((compiler as unknown as { thread?: unknown }).thread).toBeUndefined();
    expect((await compiler.compile({ engine: 'mysql', dbml: DBML })).batches.length).toBeGreaterThan(0);
  });
});
