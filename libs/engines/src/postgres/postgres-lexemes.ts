import { type Lexeme, lineCommentEnd, nestedCommentEnd, quotedEnd } from '../statement-splitter.ts';

const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/y;

/**
 * How a string literal reads: `backslash` escapes the next character (E'…', or '…' with standard
 * strings off); `doubled` reads '' as a quote (bit and hex strings end at any quote).
 */
type StringMode = { backslash: boolean; doubled: boolean };
const ESCAPED: StringMode = { backslash: true, doubled: true };
const STANDARD: StringMode = { backslash: false, doubled: true };
const BITS: StringMode = { backslash: false, doubled: false };

/**
 * The lexeme at `i` in which psql sees no statement end: '…' strings (read as E'…' when
 * `standardStrings` is off), E'…', U&'…', B'…', X'…', N'…', "…" and U&"…" identifiers,
 * $$…$$ / $tag$…$tag$ bodies, -- comments and nested block comments. Rules from psql's psqlscan.l.
 */
export function readPostgresLexeme(sql: string, i: number, standardStrings: boolean): Lexeme | undefined {
  const ch = sql[i] as string;
  const next = sql[i + 1];
  if (ch === "'") return { end: stringEnd(sql, i, standardStrings ? STANDARD : ESCAPED), kind: 'code' };
  if (next === "'") {
    if (ch === 'E' || ch === 'e') return { end: stringEnd(sql, i + 1, ESCAPED), kind: 'code' };
    // Bit and hex strings take no escapes; N'…' is a plain string.
    if ('BbXx'.includes(ch)) return { end: stringEnd(sql, i + 1, BITS), kind: 'code' };
    if (ch === 'N' || ch === 'n')
      return { end: stringEnd(sql, i + 1, standardStrings ? STANDARD : ESCAPED), kind: 'code' };
  }
  if ((ch === 'U' || ch === 'u') && next === '&') {
    const quote = sql[i + 2];
    if (quote === "'") return { end: stringEnd(sql, i + 2, STANDARD), kind: 'code' };
    if (quote === '"') return { end: quotedEnd(sql, i + 2, '"', false), kind: 'code' };
    // psql reads a lone `U&` as the letter U and an operator, not as a word.
    return { end: i + 1, kind: 'code' };
  }
  if (ch === '"') return { end: quotedEnd(sql, i, '"', false), kind: 'code' };
  // psql takes \r for a newline too.
  if (ch === '-' && next === '-') return { end: lineCommentEnd(sql, i, true), kind: 'comment' };
  if (ch === '/' && next === '*') return { end: nestedCommentEnd(sql, i), kind: 'comment' };
  if (ch === '$') return dollarQuoted(sql, i);
  return undefined;
}

/**
 * Index past a string literal whose opening quote is at `i`. SQL continues a literal after
 * whitespace holding a newline and another quote (`'a'\n'b'`), but psql lexes line by line and so
 * reads the second part as a new literal: no continuation here either.
 */
function stringEnd(sql: string, i: number, mode: StringMode): number {
  return quotedEnd(sql, i, "'", mode.backslash, mode.doubled);
}

// `$1` parameters open nothing; a `$` inside a word never gets here, the word is read whole.
function dollarQuoted(sql: string, i: number): Lexeme | undefined {
  DOLLAR_TAG.lastIndex = i;
  const match = DOLLAR_TAG.exec(sql);
  if (!match) return undefined;
  const tag = match[0];
  const close = sql.indexOf(tag, i + tag.length);
  return { end: close === -1 ? sql.length : close + tag.length, kind: 'code' };
}
