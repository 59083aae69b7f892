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
const GO_LINE = /^[ \t]*go(?:[ \t]+([1-9][0-9]*))?[ \t]*(?:\/\*(?:(?!\*\/).)*\*\/[ \t]*)*(?:--.*)?$/i;

type Mode = 'code' | 'string' | 'quoted-identifier' | 'bracket-identifier' | 'line-comment' | 'block-comment';

/**
 * Splits a script into batches on `GO` lines that stand outside strings, quoted identifiers and
 * comments (block comments nest in T-SQL). Batches holding only whitespace are dropped.
 */
export function splitGoBatches(script: string): GoBatch[] {
  const batches: GoBatch[] = [];
  let mode: Mode = 'code';
  let commentDepth = 0;
  let batchStart = 0;
  let atLineStart = true;
  let i = 0;

  const push = (end: number, repeat: number) => {
    const text = script.slice(batchStart, end);
    if (text.trim() !== '') batches.push({ text, repeat });
  };

  while (i < script.length) {
    if (atLineStart && mode === 'code') {
      const lineEnd = endOfLine(script, i);
      const go = GO_LINE.exec(script.slice(i, lineEnd));
      if (go) {
        push(i, go[1] === undefined ? 1 : Number(go[1]));
        i = afterNewline(script, lineEnd);
        batchStart = i;
        continue;
      }
    }
    const c = script[i];
    const next = script[i + 1];
    atLineStart = c === '\n' || (c === '\r' && next !== '\n');
    let step = 1;
    switch (mode) {
      case 'code':
        if (c === "'") mode = 'string';
        else if (c === '"') mode = 'quoted-identifier';
        else if (c === '[') mode = 'bracket-identifier';
        else if (c === '-' && next === '-') {
          mode = 'line-comment';
          step = 2;
        } else if (c === '/' && next === '*') {
          mode = 'block-comment';
          commentDepth = 1;
          step = 2;
        }
        break;
      case 'string':
      case 'quoted-identifier':
      case 'bracket-identifier': {
        const close = mode === 'string' ? "'" : mode === 'quoted-identifier' ? '"' : ']';
        if (c === close) {
          // A doubled closing character is the escaped character itself, not the end.
          if (next === close) step = 2;
          else mode = 'code';
        }
        break;
      }
      case 'line-comment':
        if (atLineStart) mode = 'code';
        break;
      case 'block-comment':
        if (c === '/' && next === '*') {
          commentDepth += 1;
          step = 2;
        } else if (c === '*' && next === '/') {
          commentDepth -= 1;
          step = 2;
          if (commentDepth === 0) mode = 'code';
        }
        break;
    }
    i += step;
  }
  push(script.length, 1);
  return batches;
}

function endOfLine(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\n' || text[i] === '\r') return i;
  }
  return text.length;
}

function afterNewline(text: string, lineEnd: number): number {
  if (text[lineEnd] === '\r' && text[lineEnd + 1] === '\n') return lineEnd + 2;
  return Math.min(lineEnd + 1, text.length);
}
