import { describe, expect, it } from 'vitest';
import { splitGoBatches } from './go-batches.ts';

const texts = (script: string) => splitGoBatches(script).map((b) => b.text.trim());

describe('splitGoBatches', () => {
  it('keeps a script without GO as one batch', () => {
    expect(splitGoBatches('SELECT 1;\nSELECT 2;')).toEqual([{ text: 'SELECT 1;\nSELECT 2;', repeat: 1 }]);
  });

  it('splits on GO lines in any case, with surrounding spaces, and drops the GO line', () => {
    expect(texts('SELECT 1\nGO\nSELECT 2\n  go  \nSELECT 3\n\tGo\t')).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3']);
  });

  it('reads a repeat count and a trailing comment', () => {
    const batches = splitGoBatches('INSERT t DEFAULT VALUES\nGO 3\nSELECT 1\nGO -- done');
    expect(batches.map((b) => [b.text.trim(), b.repeat])).toEqual([
      ['INSERT t DEFAULT VALUES', 3],
      ['SELECT 1', 1],
    ]);
  });

  it('handles CRLF and lone CR line ends', () => {
    expect(texts('SELECT 1\r\nGO\r\nSELECT 2\rGO\rSELECT 3')).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3']);
  });

  it('does not split on GO inside a string, even across lines and with escaped quotes', () => {
    const script = "SELECT 'it''s\nGO\nstill a string'\nGO\nSELECT 2";
    expect(texts(script)).toEqual(["SELECT 'it''s\nGO\nstill a string'", 'SELECT 2']);
  });

  it('does not split on GO inside block comments, nested ones included', () => {
    const script = 'SELECT 1 /* outer /* inner */\nGO\n*/\nGO\nSELECT 2';
    expect(texts(script)).toEqual(['SELECT 1 /* outer /* inner */\nGO\n*/', 'SELECT 2']);
  });

  it('does not split on GO inside quoted or bracketed identifiers', () => {
    expect(texts('SELECT 1 AS [a]]\nGO\nb]\nGO\nSELECT 2 AS "x\nGO\ny"')).toEqual([
      'SELECT 1 AS [a]]\nGO\nb]',
      'SELECT 2 AS "x\nGO\ny"',
    ]);
  });

  it('splits after a line comment ends at its line', () => {
    expect(texts("SELECT 1 -- it's a comment\nGO\nSELECT 2")).toEqual(["SELECT 1 -- it's a comment", 'SELECT 2']);
  });

  it('leaves lines that only look like GO to the server', () => {
    for (const line of ['GO 0', 'GO;', 'GOTO x', 'SELECT 1 GO', 'GO 2 3', 'GO -1']) {
      expect(splitGoBatches(`SELECT 1\n${line}\nSELECT 2`)).toHaveLength(1);
    }
  });

  it('drops empty batches between GO lines', () => {
    expect(texts('GO\n\nGO\nSELECT 1\nGO\n   \nGO')).toEqual(['SELECT 1']);
    expect(splitGoBatches('   ')).toEqual([]);
  });
});

/*
 * Expected cuts as sqlcmd makes them. There is no sqlcmd (nor any SQL Server) on this machine, so
 * this table is not differential: it is written from Microsoft's documentation of GO ("GO [count]",
 * count "a positive integer"; "A Transact-SQL statement can't occupy the same line as a GO command.
 * However, the line can contain comments"; no ";" after GO) and from Microsoft's Go port of sqlcmd
 * (microsoft/go-sqlcmd, pkg/sqlcmd/batch.go and commands.go: GO is matched case-insensitively at the
 * start of a line outside strings and comments; the last batch runs without a GO; an empty batch
 * sends nothing). Where sqlcmd reports an invalid GO (`GO 0`, `GO;`) sqlfleet leaves the line in
 * the batch and the server rejects it: both refuse the script.
 */
const SQLCMD_CUTS: [name: string, script: string, batches: [text: string, repeat: number][]][] = [
  [
    'GO alone on a line',
    'SELECT 1\nGO\nSELECT 2',
    [
      ['SELECT 1', 1],
      ['SELECT 2', 1],
    ],
  ],
  [
    'go in any case',
    'SELECT 1\ngo\nSELECT 2\nGo\nSELECT 3',
    [
      ['SELECT 1', 1],
      ['SELECT 2', 1],
      ['SELECT 3', 1],
    ],
  ],
  [
    'GO n runs the batch n times',
    'INSERT t DEFAULT VALUES\nGO 5\nSELECT 1',
    [
      ['INSERT t DEFAULT VALUES', 5],
      ['SELECT 1', 1],
    ],
  ],
  [
    'GO with a trailing -- comment',
    'SELECT 1\nGO -- end of batch one\nSELECT 2',
    [
      ['SELECT 1', 1],
      ['SELECT 2', 1],
    ],
  ],
  [
    'GO n with a trailing comment',
    'SELECT 1\nGO 2 -- twice\nSELECT 2',
    [
      ['SELECT 1', 2],
      ['SELECT 2', 1],
    ],
  ],
  [
    'GO with a block comment on its line',
    'SELECT 1\nGO /* end */\nSELECT 2',
    [
      ['SELECT 1', 1],
      ['SELECT 2', 1],
    ],
  ],
  [
    'GO indented',
    'SELECT 1\n   GO\nSELECT 2',
    [
      ['SELECT 1', 1],
      ['SELECT 2', 1],
    ],
  ],
  ['GO inside a string is text', "SELECT 'a\nGO\nb'\nGO", [["SELECT 'a\nGO\nb'", 1]]],
  ['GO inside a block comment is text', 'SELECT 1 /*\nGO\n*/\nGO', [['SELECT 1 /*\nGO\n*/', 1]]],
  ['GO in a -- comment is text', 'SELECT 1\n-- GO\nSELECT 2', [['SELECT 1\n-- GO\nSELECT 2', 1]]],
  ['GO after a statement on the same line is text', 'SELECT 1 GO\nSELECT 2', [['SELECT 1 GO\nSELECT 2', 1]]],
  ['GO; is not a GO line', 'SELECT 1\nGO;\nSELECT 2', [['SELECT 1\nGO;\nSELECT 2', 1]]],
  ['GO 0 is not a GO line', 'SELECT 1\nGO 0\nSELECT 2', [['SELECT 1\nGO 0\nSELECT 2', 1]]],
  ['words starting with GO are text', 'GOTO done\ndone:\nSELECT 1', [['GOTO done\ndone:\nSELECT 1', 1]]],
  [
    'the last batch runs without GO',
    'SELECT 1\nGO\nSELECT 2\n',
    [
      ['SELECT 1', 1],
      ['SELECT 2', 1],
    ],
  ],
  ['empty batches send nothing', 'GO\n\nGO\nSELECT 1\nGO\nGO', [['SELECT 1', 1]]],
  [
    'CRLF line ends',
    'SELECT 1\r\nGO\r\nSELECT 2',
    [
      ['SELECT 1', 1],
      ['SELECT 2', 1],
    ],
  ],
];

describe('splitGoBatches cuts as sqlcmd documents', () => {
  it.each(SQLCMD_CUTS)('%s', (_name, script, batches) => {
    expect(splitGoBatches(script).map((b) => [b.text.trim(), b.repeat])).toEqual(batches);
  });
});
