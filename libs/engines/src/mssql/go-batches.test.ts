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
