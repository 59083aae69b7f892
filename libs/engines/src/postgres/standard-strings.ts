const SET = /^SET\s+(?:SESSION\s+)?standard_conforming_strings\s*(?:=|\bTO\b)\s*(.*)$/is;
const RESET = /^RESET\s+(?:standard_conforming_strings|ALL)$/i;

/**
 * Follows `standard_conforming_strings` through a script, as psql does: psql reads '…' with backslash
 * escapes while the server reports the setting off, and it learns the new value once the statement
 * has run, so the change applies from the line after the one the statement ended on. Tracked:
 * `SET [SESSION] standard_conforming_strings = | TO value | DEFAULT`, `RESET` of it and `RESET ALL`.
 * Not tracked: `SET LOCAL`, a SET undone by ROLLBACK, `set_config(…)`.
 */
export class StandardStrings {
  private on = true;
  private pending: { on: boolean; from: number } | undefined;

  /** Whether '…' strings starting at `i` are standard (no backslash escapes). */
  at(i: number): boolean {
    if (this.pending && i >= this.pending.from) {
      this.on = this.pending.on;
      this.pending = undefined;
    }
    return this.on;
  }

  /** A statement ended at `next` (past its `;`) in `sql`. */
  ended(sql: string, text: string, next: number): void {
    const value = settingOf(text);
    if (value === undefined) return;
    const nl = sql.indexOf('\n', next - 1);
    this.pending = { on: value, from: nl === -1 ? sql.length : nl + 1 };
  }
}

function settingOf(text: string): boolean | undefined {
  if (RESET.test(text)) return true;
  const set = SET.exec(text);
  if (!set) return undefined;
  const raw = (set[1] as string).trim().replace(/^'(.*)'$/s, '$1');
  return /^default$/i.test(raw) ? true : parseBool(raw);
}

/** PostgreSQL's parse_bool: on/off, true/false, yes/no, 1/0, and unambiguous prefixes of the words. */
function parseBool(raw: string): boolean | undefined {
  const v = raw.toLowerCase();
  if (v === '') return undefined;
  if ('true'.startsWith(v) || 'yes'.startsWith(v) || v === '1' || v === 'on') return true;
  if ('false'.startsWith(v) || 'no'.startsWith(v) || v === '0' || (v.length >= 2 && 'off'.startsWith(v))) return false;
  return undefined;
}
