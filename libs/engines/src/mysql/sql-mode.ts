const SET = /^SET\s+(?:SESSION\s+|LOCAL\s+|@@(?:SESSION\.|LOCAL\.)?)?sql_mode\s*(?:=|:=)\s*(.*)$/is;
/** Modes that imply ANSI_QUOTES in MariaDB. */
const ANSI_QUOTES = new Set(['ANSI_QUOTES', 'ANSI', 'DB2', 'MAXDB', 'MSSQL', 'ORACLE', 'POSTGRESQL']);

/**
 * Follows the `sql_mode` flags the mariadb client reads quoting by, as the server reports them after
 * each statement: under NO_BACKSLASH_ESCAPES a backslash escapes nothing in strings, under
 * ANSI_QUOTES nothing in "…". The client runs a statement as soon as it reads its delimiter, so a
 * change applies right after it. Followed: `SET [SESSION|@@[session.]]sql_mode = 'modes' | DEFAULT`.
 * Not followed: a mode computed by an expression (`CONCAT(@@sql_mode, …)`), SET GLOBAL (other sessions).
 */
export class SqlMode {
  private noBackslashEscapes = false;
  private ansiQuotes = false;
  private pending: { modes: Set<string>; from: number } | undefined;

  /** Whether a backslash escapes in a string opened by `quote` at `i`. */
  backslashEscapes(quote: string, i: number): boolean {
    if (this.pending && i >= this.pending.from) {
      this.noBackslashEscapes = this.pending.modes.has('NO_BACKSLASH_ESCAPES');
      this.ansiQuotes = [...this.pending.modes].some((mode) => ANSI_QUOTES.has(mode));
      this.pending = undefined;
    }
    return !this.noBackslashEscapes && !(quote === '"' && this.ansiQuotes);
  }

  /** A statement was sent; the script goes on at `next`. */
  ended(text: string, next: number): void {
    const value = SET.exec(text)?.[1]?.trim();
    if (value === undefined) return;
    const literal = /^(['"])(.*)\1$/s.exec(value);
    if (!literal && !/^default$/i.test(value)) return;
    const modes = (literal?.[2] ?? '')
      .toUpperCase()
      .split(',')
      .map((mode) => mode.trim());
    this.pending = { modes: new Set(modes), from: next };
  }
}
