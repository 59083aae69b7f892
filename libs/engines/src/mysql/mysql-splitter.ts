import {
  isSpace,
  type Lexeme,
  lineCommentEnd,
  quotedEnd,
  type Statement,
  splitStatements,
} from '../statement-splitter.ts';

/**
 * Splits a MySQL/MariaDB script: '…' and "…" strings with backslash escapes, `…` identifiers,
 * `#` and `-- ` comments (MySQL needs a space or control character after `--`), and block comments;
 * `/*! … *\/` executable comments count as code. The mysql client's `DELIMITER` line is honoured,
 * as students write procedures and triggers with it.
 */
export function splitMysql(sql: string): Statement[] {
  return splitStatements(sql, readMysqlLexeme, { delimiterCommand: true });
}

function readMysqlLexeme(sql: string, i: number): Lexeme | undefined {
  const ch = sql[i];
  if (ch === "'" || ch === '"') return { end: quotedEnd(sql, i, ch, true), kind: 'code' };
  if (ch === '`') return { end: quotedEnd(sql, i, '`', false), kind: 'code' };
  if (ch === '#') return { end: lineCommentEnd(sql, i), kind: 'comment' };
  if (ch === '-' && sql[i + 1] === '-') {
    const after = sql[i + 2];
    if (after === undefined || isSpace(after) || after.charCodeAt(0) < 32) {
      return { end: lineCommentEnd(sql, i), kind: 'comment' };
    }
    return undefined;
  }
  if (ch === '/' && sql[i + 1] === '*') {
    const close = sql.indexOf('*/', i + 2);
    const executable = sql[i + 2] === '!' || (sql[i + 2] === 'M' && sql[i + 3] === '!');
    return { end: close === -1 ? sql.length : close + 2, kind: executable ? 'code' : 'comment' };
  }
  return undefined;
}
