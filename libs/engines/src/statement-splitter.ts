/** One statement of a script, as sent to the engine. */
export interface Statement {
  /** The statement's text, trimmed, without its terminating `;`. Positions the engine reports count from here. */
  text: string;
  /** 0-based offset of `text` in the whole script. */
  offset: number;
  /** 1-based line of the script on which `text` starts. */
  line: number;
}

/** A stretch the splitter must not look inside: a string, quoted identifier, comment or word. */
export interface Lexeme {
  /** Index just past the lexeme (the script's length when it is never closed). */
  end: number;
  /**
   * Comments alone do not make a statement; strings, identifiers and words do; `end` is a client's
   * own terminator, which ends the statement wherever it stands and is not sent (mysql's `\\g`).
   */
  kind: 'comment' | 'code' | 'end';
}

/**
 * What a dialect adds to the shared scanner, made afresh for each script (it may keep state, as the
 * engine's own client does: psql counts brackets and follows `standard_conforming_strings`).
 */
export interface DialectScanner {
  /**
   * The lexeme starting at `i`, if any; `statementStart` says nothing but whitespace and comments
   * came before it in the current statement.
   */
  read(sql: string, i: number, statementStart: boolean): Lexeme | undefined;
  /** Whether a delimiter here ends the statement (default: always). */
  canEnd?(): boolean;
  /** Told of each cut, with the statement (undefined when empty) and the index it ended at, past its delimiter. */
  ended?(statement: Statement | undefined, next: number): void;
}

export interface SplitOptions {
  /**
   * Honour the mysql client's `DELIMITER xx` command: a line of its own at the start of a statement.
   * Statements then end at `xx` instead of `;`, so a procedure or trigger body keeps its inner `;`.
   * The line itself is not sent.
   */
  delimiterCommand?: boolean;
}

const DELIMITER_LINE = /[ \t]*DELIMITER[ \t]+(\S+)[^\n]*/iy;

/**
 * Splits a script on top-level `;` (or the current DELIMITER), skipping whatever the dialect says is
 * quoted or commented. Statements made only of whitespace and comments are dropped. An unterminated
 * string or comment runs to the end of the script, so the engine reports that error itself.
 */
export function splitStatements(sql: string, scanner: DialectScanner, options: SplitOptions = {}): Statement[] {
  const statements: Statement[] = [];
  let delimiter = ';';
  let start = 0;
  let hasCode = false;
  let i = 0;
  const lines = new LineCounter(sql);
  const cut = (end: number, next: number): void => {
    const statement = hasCode ? trimmed(sql, start, end, lines) : undefined;
    if (statement) statements.push(statement);
    scanner.ended?.(statement, next);
    start = next;
    hasCode = false;
  };
  while (i < sql.length) {
    if (options.delimiterCommand && !hasCode && (i === 0 || sql[i - 1] === '\n')) {
      DELIMITER_LINE.lastIndex = i;
      const line = DELIMITER_LINE.exec(sql);
      if (line?.[1]) {
        delimiter = line[1];
        i = DELIMITER_LINE.lastIndex;
        start = i;
        continue;
      }
    }
    if (sql.startsWith(delimiter, i) && (scanner.canEnd?.() ?? true)) {
      cut(i, i + delimiter.length);
      i += delimiter.length;
      continue;
    }
    const lexeme = scanner.read(sql, i, !hasCode);
    if (lexeme?.kind === 'end') {
      cut(i, lexeme.end);
      i = lexeme.end;
      continue;
    }
    if (lexeme) {
      if (lexeme.kind === 'code') hasCode = true;
      i = Math.max(lexeme.end, i + 1);
      continue;
    }
    if (!isSpace(sql[i] as string)) hasCode = true;
    i += 1;
  }
  if (hasCode) statements.push(trimmed(sql, start, sql.length, lines));
  return statements;
}

function trimmed(sql: string, start: number, end: number, lines: LineCounter): Statement {
  let from = start;
  let to = end;
  while (from < to && isSpace(sql[from] as string)) from += 1;
  while (to > from && isSpace(sql[to - 1] as string)) to -= 1;
  return { text: sql.slice(from, to), offset: from, line: lines.at(from) };
}

/** 1-based line numbers of offsets asked in increasing order: one pass over the script in all. */
class LineCounter {
  private offset = 0;
  private line = 1;
  constructor(private readonly sql: string) {}

  at(offset: number): number {
    for (; this.offset < offset; this.offset += 1) if (this.sql.charCodeAt(this.offset) === 10) this.line += 1;
    return this.line;
  }
}

export function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r' || ch === '\f' || ch === '\v';
}

/**
 * Index past a quoted run opened at `i`: `backslash` escapes the next character; the quote doubled
 * inside is literal unless `doubled` is false (PostgreSQL's bit and hex strings end at any quote).
 */
export function quotedEnd(sql: string, i: number, quote: string, backslash: boolean, doubled = true): number {
  let j = i + 1;
  while (j < sql.length) {
    const ch = sql[j];
    if (backslash && ch === '\\') {
      j += 2;
      continue;
    }
    if (ch === quote) {
      if (doubled && sql[j + 1] === quote) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j += 1;
  }
  return sql.length;
}

/** Index past a line comment starting at `i` (the newline stays outside); `cr` also ends it at a `\r`. */
export function lineCommentEnd(sql: string, i: number, cr = false): number {
  let j = i;
  while (j < sql.length && sql[j] !== '\n' && !(cr && sql[j] === '\r')) j += 1;
  return j;
}

/** Index past a block comment opened at `i`, where comments nest (PostgreSQL, T-SQL). */
export function nestedCommentEnd(sql: string, i: number): number {
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
