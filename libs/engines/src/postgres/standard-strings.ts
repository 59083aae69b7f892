const SET = /^SET\s+(SESSION\s+|LOCAL\s+)?standard_conforming_strings\s*(?:=|\bTO\b)\s*(.*)$/is;
const RESET = /^RESET\s+(?:standard_conforming_strings|ALL)$/i;
const BEGIN = /^(?:BEGIN|START\s+TRANSACTION)\b/i;
const COMMIT = /^(?:COMMIT|END)\b(?!\s+AND\s+CHAIN)/i;
const ROLLBACK = /^(?:ROLLBACK|ABORT)\b(?!\s+(?:AND\s+CHAIN|(?:WORK\s+|TRANSACTION\s+)?TO\b))/i;

/**
 * Follows `standard_conforming_strings` through a script, as psql does: psql reads '…' with backslash
 * escapes while the server reports the setting off, and it learns the new value once the statement
 * has run, so the change applies from the line after the one the statement ended on. Followed:
 * `SET [SESSION|LOCAL] standard_conforming_strings = | TO value | DEFAULT`, `RESET` of it and
 * `RESET ALL`, and the end of a transaction block (COMMIT keeps a SET, ROLLBACK undoes it, both
 * end a SET LOCAL). Not followed: savepoints, `set_config(…)`.
 */
export class StandardStrings {
  private session = true;
  private local: boolean | undefined;
  /** The session value when the open transaction block began, for ROLLBACK. */
  private atBegin: boolean | undefined;
  private effective = true;
  private pending: { on: boolean; from: number } | undefined;

  /** Whether '…' strings starting at `i` are standard (no backslash escapes). */
  at(i: number): boolean {
    if (this.pending && i >= this.pending.from) {
      this.effective = this.pending.on;
      this.pending = undefined;
    }
    return this.effective;
  }

  /** A statement ended at `next` (past its `;`) in `sql`. */
  ended(sql: string, text: string, next: number): void {
    this.apply(text);
    const on = this.local ?? this.session;
    if (on === (this.pending?.on ?? this.effective)) return;
    const nl = sql.indexOf('\n', next - 1);
    this.pending = { on, from: nl === -1 ? sql.length : nl + 1 };
  }

  private apply(text: string): void {
    const inBlock = this.atBegin !== undefined;
    if (BEGIN.test(text)) this.atBegin ??= this.session;
    else if (COMMIT.test(text) || ROLLBACK.test(text)) {
      if (ROLLBACK.test(text) && this.atBegin !== undefined) this.session = this.atBegin;
      this.atBegin = undefined;
      this.local = undefined;
    } else if (RESET.test(text)) {
      this.session = true;
      this.local = undefined;
    } else {
      const set = SET.exec(text);
      const value = set ? settingValue(set[2] as string) : undefined;
      if (value === undefined) return;
      // SET LOCAL outside a transaction block only warns; SET within one also drops an earlier SET LOCAL.
      if (/^LOCAL/i.test(set?.[1] ?? '')) {
        if (inBlock) this.local = value;
      } else {
        this.session = value;
        this.local = undefined;
      }
    }
  }
}

function settingValue(raw: string): boolean | undefined {
  const value = raw.trim().replace(/^'(.*)'$/s, '$1');
  return /^default$/i.test(value) ? true : parseBool(value);
}

/** PostgreSQL's parse_bool: on/off, true/false, yes/no, 1/0, and unambiguous prefixes of the words. */
function parseBool(raw: string): boolean | undefined {
  const v = raw.toLowerCase();
  if (v === '') return undefined;
  if ('true'.startsWith(v) || 'yes'.startsWith(v) || v === '1' || v === 'on') return true;
  if ('false'.startsWith(v) || 'no'.startsWith(v) || v === '0' || (v.length >= 2 && 'off'.startsWith(v))) return false;
  return undefined;
}
