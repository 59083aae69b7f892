import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { psqlStatements } from '../test-support/client-cuts.ts';
import { createPostgresSandbox, type PostgresSandbox } from '../test-support/postgres-sandbox.ts';
import { splitPostgres } from './postgres-splitter.ts';

// Differential test: every script of the corpus is cut by splitPostgres and by psql itself
// (`psql -L` logs each query it sends), and the two lists must be the same.
const CORPUS = join(import.meta.dirname, 'psql-corpus');
const files = readdirSync(CORPUS).filter((f) => f.endsWith('.sql'));

/** psql drops whitespace and -- comments before a statement's first token, and sends the `;`. */
function asPsqlSends(text: string): string {
  return text.replace(/^(?:\s+|--[^\n\r]*)+/, '');
}

function fromPsql(sent: string): string {
  return sent.trimEnd().replace(/;$/, '').trimEnd();
}

/** Deliberate difference (README): sqlfleet sends no statement made only of comments, or empty. */
function sqlfleetDrops(sent: string): boolean {
  return /^(?:\s|--[^\n]*|\/\*[\s\S]*?\*\/)*$/.test(fromPsql(sent));
}

describe('splitPostgres cuts scripts where psql does', () => {
  let db: PostgresSandbox;
  beforeAll(async () => {
    db = await createPostgresSandbox();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('has a corpus to compare', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  it.each(files)('%s', (file) => {
    const path = join(CORPUS, file);
    const psql = psqlStatements(db.target, path)
      .filter((s) => !sqlfleetDrops(s))
      .map(fromPsql);
    const ours = splitPostgres(readFileSync(path, 'utf8')).map((s) => asPsqlSends(s.text));
    expect(psql.length).toBeGreaterThan(3);
    expect(ours).toEqual(psql);
  });
});
