import { describe, expect, it } from 'vitest';
import { splitMysql } from './mysql-splitter.ts';

const texts = (sql: string) => splitMysql(sql).map((s) => s.text);

describe('splitMysql', () => {
  it('splits on top-level semicolons, dropping empty ones', () => {
    expect(texts(';SELECT 1;;\n SELECT 2 ;  ')).toEqual(['SELECT 1', 'SELECT 2']);
  });

  it('honours backslash escapes and doubled quotes in both string quotes', () => {
    expect(texts(`SELECT 'a\\';b', "c\\";d", 'e'';f'; SELECT 2`)).toEqual([
      `SELECT 'a\\';b', "c\\";d", 'e'';f'`,
      'SELECT 2',
    ]);
  });

  it('keeps semicolons inside backtick identifiers', () => {
    expect(texts('SELECT `a;b` FROM `t``;`; SELECT 2')).toEqual(['SELECT `a;b` FROM `t``;`', 'SELECT 2']);
  });

  it('skips # comments and -- comments followed by a space', () => {
    expect(texts('SELECT 1 # a; b\n; -- c; d\nSELECT 2')).toEqual(['SELECT 1 # a; b', '-- c; d\nSELECT 2']);
  });

  it('reads --1 as two minus signs, not a comment', () => {
    expect(texts('SELECT 1--1; SELECT 2')).toEqual(['SELECT 1--1', 'SELECT 2']);
  });

  it('drops comment-only statements but keeps executable comments', () => {
    expect(texts('/* just a note; */ ; # x\n; /*!40101 SET NAMES utf8 */; /*M! SELECT 1 */')).toEqual([
      '/*!40101 SET NAMES utf8 */',
      '/*M! SELECT 1 */',
    ]);
  });

  it('cuts at a ; inside an executable comment, as the mariadb client does', () => {
    expect(texts('/*!40101 SELECT 1; SELECT 2 */; SELECT 3')).toEqual(['/*!40101 SELECT 1', 'SELECT 2 */', 'SELECT 3']);
  });

  it('reads --x as a comment at the start of a statement only, as the client does', () => {
    expect(texts('--x; y\nSELECT 1;--z\nSELECT 2--1; SELECT 3')).toEqual([
      '--x; y\nSELECT 1',
      '--z\nSELECT 2--1',
      'SELECT 3',
    ]);
  });

  it('does not treat $ or E-strings specially', () => {
    expect(texts("SELECT '$$'; SELECT E'x'; SELECT 3")).toEqual(["SELECT '$$'", "SELECT E'x'", 'SELECT 3']);
  });

  it('reports offsets and lines', () => {
    expect(splitMysql('# c\nSELECT 1;\nSELECT 2')).toEqual([
      { text: '# c\nSELECT 1', offset: 0, line: 1 },
      { text: 'SELECT 2', offset: 14, line: 3 },
    ]);
  });

  it('honours the client DELIMITER line, so a procedure body keeps its inner semicolons', () => {
    const script = [
      'DELIMITER //',
      'CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END//',
      'delimiter ;',
      'CALL p(); SELECT 3',
    ].join('\n');
    expect(texts(script)).toEqual(['CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END', 'CALL p()', 'SELECT 3']);
  });

  it('takes DELIMITER only at the start of a statement, and not inside strings', () => {
    expect(texts("SELECT 'DELIMITER //'; SELECT 1 AS delimiter; DELETE FROM t")).toEqual([
      "SELECT 'DELIMITER //'",
      'SELECT 1 AS delimiter',
      'DELETE FROM t',
    ]);
  });

  it('takes DELIMITER only on a line of its own, not after a statement on the same line', () => {
    expect(texts('SELECT 1; DELIMITER //\nSELECT 2;\n  delimiter //\nSELECT 3//')).toEqual([
      'SELECT 1',
      'DELIMITER //\nSELECT 2',
      'SELECT 3',
    ]);
  });

  it('ends a statement at the client terminators \\g and \\G, outside strings, whatever the delimiter', () => {
    expect(texts("SELECT 1\\G SELECT '\\G'\\g\nDELIMITER //\nSELECT 2\\G SELECT 3//")).toEqual([
      'SELECT 1',
      "SELECT '\\G'",
      'SELECT 2',
      'SELECT 3',
    ]);
  });

  it('reads backslashes by the sql_mode the script sets, from the next statement on', () => {
    const script = "SET sql_mode = 'NO_BACKSLASH_ESCAPES'; SELECT 'a\\'; SET sql_mode = DEFAULT; SELECT 'b\\'; c'";
    expect(texts(script)).toEqual([
      "SET sql_mode = 'NO_BACKSLASH_ESCAPES'",
      "SELECT 'a\\'",
      'SET sql_mode = DEFAULT',
      "SELECT 'b\\'; c'",
    ]);
  });
});
