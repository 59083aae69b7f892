import { type Lexeme, lineCommentEnd, quotedEnd, type Statement, splitStatements } from '../statement-splitter.ts';

const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/y;

/**
 * Splits a PostgreSQL script: '…' strings (E'…' with backslash escapes), "…" identifiers,
 * $$…$$ / $tag$…$tag$ bodies, -- comments and nested block comments.
 * Not handled: SQL-standard `BEGIN ATOMIC … END` function bodies (use a dollar-quoted body).
 */
export function splitPostgres(sql: string): Statement[] {
  return splitStatements(sql, readPostgresLexeme);
}

function readPostgresLexeme(sql: string, i: number): Lexeme | undefined {
  const ch = sql[i];
  const prev = i > 0 ? (sql[i - 1] as string) : '';
  if (ch === "'") return { end: quotedEnd(sql, i, "'", false), kind: 'code' };
  if ((ch === 'E' || ch === 'e') && sql[i + 1] === "'" && !isIdentChar(prev)) {
    return { end: quotedEnd(sql, i + 1, "'", true), kind: 'code' };
  }
  if (ch === '"') return { end: quotedEnd(sql, i, '"', false), kind: 'code' };
  if (ch === '-' && sql[i + 1] === '-') return { end: lineCommentEnd(sql, i), kind: 'comment' };
  if (ch === '/' && sql[i + 1] === '*') return { end: nestedCommentEnd(sql, i), kind: 'comment' };
  if (ch === '$' && !isIdentChar(prev)) return dollarQuoted(sql, i);
  return undefined;
}

// `$` inside an identifier (`a$1`) or a parameter (`$1`) opens nothing.
function dollarQuoted(sql: string, i: number): Lexeme | undefined {
  DOLLAR_TAG.lastIndex = i;
  const match = DOLLAR_TAG.exec(sql);
  if (!match) return undefined;
  const tag = match[0];
  const close = sql.indexOf(tag, i + tag.length);
  return { end: close === -1 ? sql.length : close + tag.length, kind: 'code' };
}

function nestedCommentEnd(sql: string, i: number): number {
  let depth = 0;
  let j = i;
  while (j < sql.length) {
    if (sql[j] === '/' && sql[j + 1] === '*') {
      depth += 1;
      j += 2;
    } else if (sql[j] === '*' && sql[j + 1] === '/') {
      depth -= 1;
      j += 2;
      if (depth === 0) return j;
    } else {
      j += 1;
    }
  }
  return sql.length;
}

function isIdentChar(ch: string): boolean {
  return ch !== '' && /[\w$\u0080-\uffff]/.test(ch);
}
