import {
  type DialectScanner,
  isSpace,
  type Lexeme,
  lineCommentEnd,
  quotedEnd,
  type Statement,
  splitStatements,
} from '../statement-splitter.ts';
import { SqlMode } from './sql-mode.ts';

/**
 * Splits a MySQL/MariaDB script where the mariadb client cuts it: '…' and "…" strings with backslash
 * escapes, `…` identifiers, `#` comments, `--` comments (followed by whitespace, or anywhere at the
 * start of a statement), and block comments. `/*! … *\/` executable comments are plain code to the
 * client, which cuts at a `;` inside them too. The client's `DELIMITER` line is honoured, as students
 * write procedures and triggers with it, and so are its `\g` and `\G` (send, vertically) terminators.
 */
export function splitMysql(sql: string): Statement[] {
  return splitStatements(sql, mysqlScanner(), { delimiterCommand: true });
}

/** The mariadb client's reading of one script (it follows the sql_mode the script sets). */
export function mysqlScanner(): DialectScanner {
  const mode = new SqlMode();
  return {
    read: (sql, i, statementStart) => readMysqlLexeme(sql, i, statementStart, mode),
    ended: (statement, next) => {
      if (statement) mode.ended(statement.text, next);
    },
  };
}

function readMysqlLexeme(sql: string, i: number, statementStart: boolean, mode: SqlMode): Lexeme | undefined {
  const ch = sql[i];
  if (ch === "'" || ch === '"') return { end: quotedEnd(sql, i, ch, mode.backslashEscapes(ch, i)), kind: 'code' };
  if (ch === '`') return { end: quotedEnd(sql, i, '`', false), kind: 'code' };
  // Outside strings a backslash starts a client command; `\g` and `\G` send the statement.
  if (ch === '\\' && (sql[i + 1] === 'g' || sql[i + 1] === 'G')) return { end: i + 2, kind: 'end' };
  if (ch === '#') return { end: lineCommentEnd(sql, i), kind: 'comment' };
  if (ch === '-' && sql[i + 1] === '-') {
    // The client also skips `--x` lines "to run mysql-test-run cases", but only before any code.
    const after = sql[i + 2];
    if (after === undefined || isSpace(after) || statementStart)
      return { end: lineCommentEnd(sql, i), kind: 'comment' };
    return undefined;
  }
  if (ch === '/' && sql[i + 1] === '*') {
    const executable = sql[i + 2] === '!' || (sql[i + 2] === 'M' && sql[i + 3] === '!');
    if (executable) return undefined;
    const close = sql.indexOf('*/', i + 2);
    return { end: close === -1 ? sql.length : close + 2, kind: 'comment' };
  }
  return undefined;
}
