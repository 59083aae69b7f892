import type { Lexeme } from '../statement-splitter.ts';

const WORD = /[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*/y;

/**
 * Where psql lets a `;` end a statement: outside parentheses (`CREATE RULE … DO INSTEAD (a; b)`) and
 * outside the `BEGIN ATOMIC … END` body of a `CREATE [OR REPLACE] FUNCTION|PROCEDURE`. The same
 * heuristic as psql's psqlscan.l (PostgreSQL 14+): the statement's first words are remembered by
 * their initials, and, at bracket depth 0 in such a statement, BEGIN opens a block, END closes one
 * and CASE (which also ends with END) opens one only inside a block already open.
 */
export class PsqlNesting {
  private parenDepth = 0;
  private beginDepth = 0;
  private wordCount = 0;
  /** Initials of the first four words when they are CREATE, OR, REPLACE, FUNCTION or PROCEDURE. */
  private readonly initials: string[] = [];

  /** Reads a bracket or a word at `i`, keeping count; undefined for anything else. */
  read(sql: string, i: number): Lexeme | undefined {
    const ch = sql[i];
    if (ch === '(') this.parenDepth += 1;
    else if (ch === ')') this.parenDepth = Math.max(0, this.parenDepth - 1);
    else {
      WORD.lastIndex = i;
      const word = WORD.exec(sql)?.[0];
      if (!word) return undefined;
      this.sawWord(word.toLowerCase());
      return { end: i + word.length, kind: 'code' };
    }
    return { end: i + 1, kind: 'code' };
  }

  canEnd(): boolean {
    return this.parenDepth === 0 && this.beginDepth === 0;
  }

  /** A statement ended: psql starts remembering words afresh. */
  reset(): void {
    this.wordCount = 0;
  }

  private sawWord(word: string): void {
    if (this.wordCount === 0) this.initials.length = 0;
    if (this.wordCount < 4 && ['create', 'function', 'procedure', 'or', 'replace'].includes(word)) {
      this.initials[this.wordCount] = word[0] as string;
    }
    this.wordCount += 1;
    if (!this.definesRoutine() || this.parenDepth > 0) return;
    if (word === 'begin') this.beginDepth += 1;
    else if (word === 'case' && this.beginDepth > 0) this.beginDepth += 1;
    else if (word === 'end' && this.beginDepth > 0) this.beginDepth -= 1;
  }

  /** CREATE FUNCTION, CREATE PROCEDURE, CREATE OR REPLACE FUNCTION|PROCEDURE. */
  private definesRoutine(): boolean {
    const [first, second, third, fourth] = this.initials;
    if (first !== 'c') return false;
    if (second === 'f' || second === 'p') return true;
    return second === 'o' && third === 'r' && (fourth === 'f' || fourth === 'p');
  }
}
