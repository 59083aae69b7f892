import { AUDIT_FIELDS, type AuditEntry } from '@sqlfleet/queue';

/**
 * One CSV field (RFC 4180: quoted when it holds a quote, comma or line break; quotes doubled).
 * A text starting with `=`, `+`, `-`, `@`, tab or carriage return would be run as a formula by
 * a spreadsheet opening the export (a student's SQL may well start with `-- comment`), so it
 * gets a leading `'`, which spreadsheets show as text (OWASP's advice for CSV injection).
 */
export function csvField(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function auditCsv(entries: readonly AuditEntry[]): string {
  const lines = [AUDIT_FIELDS.join(',')];
  for (const entry of entries) lines.push(AUDIT_FIELDS.map((column) => csvField(entry[column])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
