import { describe, expect, it } from 'vitest';
import { splitPostgres } from './postgres-splitter.ts';

const texts = (sql: string) => splitPostgres(sql).map((s) => s.text);

describe('splitPostgres', () => {
  it('splits on top-level semicolons and trims', () => {
    expect(texts('SELECT 1;  SELECT 2 ;\n\nSELECT 3')).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3']);
  });

  it('drops empty statements and statements made only of comments', () => {
    expect(texts(';;  ; -- nothing\n; /* still nothing */ ; SELECT 1;;')).toEqual(['SELECT 1']);
    expect(texts('')).toEqual([]);
    expect(texts('   \n')).toEqual([]);
  });

  it('keeps semicolons inside strings, doubled quotes and quoted identifiers', () => {
    expect(texts(`SELECT 'a;b', 'it''s;'; SELECT "we;ird""col" FROM t`)).toEqual([
      `SELECT 'a;b', 'it''s;'`,
      `SELECT "we;ird""col" FROM t`,
    ]);
  });

  it('treats backslash as an escape only in E strings', () => {
    expect(texts(`SELECT E'a\\';b'; SELECT 'c\\'; SELECT 2`)).toEqual([`SELECT E'a\\';b'`, `SELECT 'c\\'`, 'SELECT 2']);
  });

  it('does not take the E at the end of an identifier for an escape-string prefix', () => {
    expect(texts(`SELECT some'x\\'; SELECT 2`)).toEqual([`SELECT some'x\\'`, 'SELECT 2']);
  });

  it('skips dollar-quoted bodies, tagged or not, with semicolons and other tags inside', () => {
    const fn = `CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql`;
    const tagged = `DO $body$ BEGIN PERFORM 'x;$$'; END $body$`;
    expect(texts(`${fn}; ${tagged}; SELECT 3`)).toEqual([fn, tagged, 'SELECT 3']);
  });

  it('does not read $1 parameters or $ inside identifiers as dollar quotes', () => {
    expect(texts('SELECT a$b$c FROM t; SELECT $1; SELECT 2')).toEqual(['SELECT a$b$c FROM t', 'SELECT $1', 'SELECT 2']);
  });

  it('skips line comments and nested block comments', () => {
    expect(texts('SELECT 1 -- a; b\n; /* x /* y; */ z; */ SELECT 2')).toEqual([
      'SELECT 1 -- a; b',
      '/* x /* y; */ z; */ SELECT 2',
    ]);
  });

  it('runs an unterminated string to the end so the server reports it', () => {
    expect(texts(`SELECT 'oops; SELECT 2`)).toEqual([`SELECT 'oops; SELECT 2`]);
    expect(texts('SELECT $$ never closed; x')).toEqual(['SELECT $$ never closed; x']);
  });

  it('reports each statement offset and starting line in the script', () => {
    const script = 'SELECT 1;\n\n  SELECT\n 2;';
    expect(splitPostgres(script)).toEqual([
      { text: 'SELECT 1', offset: 0, line: 1 },
      { text: 'SELECT\n 2', offset: 13, line: 3 },
    ]);
    expect(script.slice(13, 13 + 'SELECT\n 2'.length)).toBe('SELECT\n 2');
  });

  it('keeps a ; inside parentheses, as in a rule with several actions (issue 13)', () => {
    const rule = 'CREATE RULE r AS ON UPDATE TO t DO INSTEAD (NOTIFY a; NOTIFY b)';
    expect(texts(`${rule}; SELECT 1); SELECT 2`)).toEqual([rule, 'SELECT 1)', 'SELECT 2']);
  });

  it('keeps a BEGIN ATOMIC body whole, CASE … END inside included (issue 13)', () => {
    const fn = [
      'CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE sql',
      'BEGIN ATOMIC',
      '  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;',
      '  SELECT 2;',
      'END',
    ].join('\n');
    expect(texts(`BEGIN; ${fn}; SELECT 3; COMMIT`)).toEqual(['BEGIN', fn, 'SELECT 3', 'COMMIT']);
  });

  it('counts BEGIN and END only in CREATE FUNCTION or PROCEDURE, outside brackets', () => {
    expect(texts('BEGIN; SELECT CASE WHEN true THEN 1 END; END; SELECT 4')).toEqual([
      'BEGIN',
      'SELECT CASE WHEN true THEN 1 END',
      'END',
      'SELECT 4',
    ]);
    const proc = 'CREATE PROCEDURE p(begin int) LANGUAGE sql BEGIN ATOMIC SELECT 1; END';
    expect(texts(`${proc}; SELECT 5`)).toEqual([proc, 'SELECT 5']);
  });

  it('reads \\ as an escape in plain strings once standard_conforming_strings is off, from the next line (issue 13)', () => {
    const script = [
      "SET standard_conforming_strings = off; SELECT 'same line: \\';",
      "SELECT 'a\\';b';",
      'RESET standard_conforming_strings;',
      "SELECT 'c\\'; SELECT 2",
    ].join('\n');
    expect(texts(script)).toEqual([
      'SET standard_conforming_strings = off',
      "SELECT 'same line: \\'",
      "SELECT 'a\\';b'",
      'RESET standard_conforming_strings',
      "SELECT 'c\\'",
      'SELECT 2',
    ]);
  });

  it('reads bit and hex strings without escapes, whatever the setting', () => {
    expect(texts("SET standard_conforming_strings TO 'off';\nSELECT X'1\\'; SELECT 2")).toEqual([
      "SET standard_conforming_strings TO 'off'",
      "SELECT X'1\\'",
      'SELECT 2',
    ]);
  });
});
