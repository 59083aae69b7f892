import {
  type DialectScanner,
  type Lexeme,
  lineCommentEnd,
  nestedCommentEnd,
  quotedEnd,
  splitStatements,
} from '../statement-splitter.ts';

/** One batch of a T-SQL script, as the text between two `GO` lines. */
export interface GoBatch {
  text: string;
  /** `GO 3` runs the batch before it three times, as sqlcmd and SSMS do. */
  repeat: number;
}

/**
 * `GO` is not T-SQL: the client tools split a script on lines holding only `GO`, an optional
 * positive count and optional comments (`--` to the end, or `/* … *\/` closed on the line).
 * The server would answer "Incorrect syntax near 'GO'".
 */
const GO_LINE =
  /[ \t]*go(?:[ \t]+([1-9][0-9]*))?[ \t]*(?:\/\*(?:(?!\*\/)[^\r\n])*\*\/[ \t]*)*(?:--[^\r\n]*)?(?=\r\n?|\n|$)(?:\r\n?|\n)?/iy;

/**
 * Splits a script into batches on `GO` lines that stand outside strings, quoted and bracketed
 * identifiers and comments (block comments nest in T-SQL); a `;` ends nothing. Batches holding only
 * whitespace and comments are dropped.
 */
export function splitGoBatches(script: string): GoBatch[] {
  const repeats: number[] = [];
  const statements = splitStatements(script, tsqlScanner(repeats));
  return statements.map((statement, k) => ({ text: statement.text, repeat: repeats[k] ?? 1 }));
}

/** sqlcmd's reading of a script: `repeats` gets the count of the GO line that ended each batch. */
function tsqlScanner(repeats: number[]): DialectScanner {
  let count = 1;
  return {
    read(sql, i) {
      if (atLineStart(sql, i)) {
        GO_LINE.lastIndex = i;
        const go = GO_LINE.exec(sql);
        if (go) {
          count = go[1] === undefined ? 1 : Number(go[1]);
          return { end: GO_LINE.lastIndex, kind: 'end' };
        }
      }
      return readTsqlLexeme(sql, i);
    },
    canEnd: () => false,
    ended(statement) {
      if (statement) repeats.push(count);
    },
  };
}

function readTsqlLexeme(sql: string, i: number): Lexeme | undefined {
  const ch = sql[i];
  if (ch === "'" || ch === '"') return { end: quotedEnd(sql, i, ch, false), kind: 'code' };
  if (ch === '[') return { end: quotedEnd(sql, i, ']', false), kind: 'code' };
  if (ch === '-' && sql[i + 1] === '-') return { end: lineCommentEnd(sql, i, true), kind: 'comment' };
  if (ch === '/' && sql[i + 1] === '*') return { end: nestedCommentEnd(sql, i), kind: 'comment' };
  return undefined;
}

/** A line starts after `\n`, or after a `\r` not followed by `\n`. */
function atLineStart(sql: string, i: number): boolean {
  const prev = sql[i - 1];
  return i === 0 || prev === '\n' || (prev === '\r' && sql[i] !== '\n');
}
