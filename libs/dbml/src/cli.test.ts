import { describe, expect, it } from 'vitest';
import { runCli } from './cli.ts';

const files: Record<string, string> = {
  'ok.dbml': 'Table t { id int [pk]\n b boolean }\nRecords t(id, b) { 1, true }',
  'bad.dbml': 'Table a {\n  id int [pk\n}',
  'data.json': '{ "t": [ { "id": 2 } ] }',
  'wrong.json': '{ "t": [ { "nope": 2 } ] }',
};

async function run(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readFile: async (path) => {
      const text = files[path];
      if (text === undefined) throw new Error('ENOENT');
      return text;
    },
  });
  return { code, stdout, stderr };
}

describe('sqlfleet ddl', () => {
  it('prints the SQL of the chosen engine, data included', async () => {
    const out = await run('ddl', '--engine', 'mssql', 'ok.dbml', '--data', 'data.json');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('[b] BIT');
    expect(out.stdout).toContain('(2);');
    expect(out.stdout).toMatch(/\nGO\n/);
  });

  it('exits 1 with line:column for bad DBML', async () => {
    const out = await run('ddl', '-e', 'postgres', 'bad.dbml');
    expect(out).toMatchObject({ code: 1, stdout: '' });
    expect(out.stderr).toBe('error: Expect an identifier (3:1)\n');
  });

  it('exits 1 for data that does not fit and for a missing file', async () => {
    expect((await run('ddl', '-e', 'mysql', 'ok.dbml', '-d', 'wrong.json')).stderr).toContain('no column "nope"');
    expect(await run('ddl', '-e', 'mysql', 'missing.dbml')).toMatchObject({ code: 1 });
  });

  it('exits 2 for usage errors', async () => {
    expect((await run('ddl', 'ok.dbml')).code).toBe(2);
    expect((await run('ddl', '-e', 'oracle', 'ok.dbml')).stderr).toContain('unknown engine "oracle"');
    expect((await run('build', '-e', 'mysql', 'ok.dbml')).code).toBe(2);
    expect((await run('ddl', '-e', 'mysql', 'ok.dbml', '--bogus')).code).toBe(2);
  });

  it('prints help', async () => {
    const out = await run('--help');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^usage: sqlfleet ddl --engine postgres\|mysql\|mssql/);
  });
});
