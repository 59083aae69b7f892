import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mariadbStatements } from '../test-support/client-cuts.ts';
import { createMysqlSandbox, type MysqlSandbox } from '../test-support/mysql-sandbox.ts';
import { mysqlScanner, splitMysql } from './mysql-splitter.ts';

// Differential test: every script of the corpus is cut by splitMysql and by the mariadb client
// itself (`-vvv` echoes each statement it sends), and the two lists must be the same.
const CORPUS = join(import.meta.dirname, 'mariadb-corpus');
const files = readdirSync(CORPUS).filter((f) => f.endsWith('.sql'));

/**
 * The client strips comments and re-spaces what it sends (the default `--skip-comments`), so both
 * sides are compared without comments and whitespace. Our comments are found by our own lexer: a
 * comment it misses, or a stretch it wrongly calls one, still shows as a difference.
 */
function codeOf(text: string): string {
  const scanner = mysqlScanner();
  let code = '';
  let i = 0;
  while (i < text.length) {
    const lexeme = scanner.read(text, i, code.trim() === '');
    const end = lexeme ? Math.max(lexeme.end, i + 1) : i + 1;
    if (lexeme?.kind !== 'comment') code += text.slice(i, end);
    i = end;
  }
  return withoutSpace(code);
}

const withoutSpace = (text: string) => text.replace(/\s+/g, '');

describe('splitMysql cuts scripts where the mariadb client does', () => {
  let db: MysqlSandbox;
  beforeAll(async () => {
    db = await createMysqlSandbox();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('has a corpus to compare', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
  });

  it.each(files)('%s', (file) => {
    const path = join(CORPUS, file);
    const client = mariadbStatements(db.target, path).map(withoutSpace);
    const ours = splitMysql(readFileSync(path, 'utf8')).map((s) => codeOf(s.text));
    expect(client.length).toBeGreaterThan(3);
    expect(ours).toEqual(client);
  });
});
