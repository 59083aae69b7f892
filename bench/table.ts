import type { Summary } from './stats.ts';

/** One line of the bench's output table (and of results/latest.json). */
export interface Row {
  suite: string;
  case: string;
  summary: Summary;
  /** Resident memory of the processes involved, in MiB, e.g. `{ api: 92, worker: 104 }`. */
  rssMiB?: Record<string, number>;
  note?: string;
}

const fixed = (value: number | undefined, digits: number): string =>
  value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits);

/** A plain-text table that stays readable in a terminal and pasted into Markdown. */
export function renderTable(rows: readonly Row[]): string {
  const header = ['suite', 'case', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'ops/s', 'RSS MiB', 'note'];
  const body = rows.map((row) => [
    row.suite,
    row.case,
    String(row.summary.n),
    fixed(row.summary.p50, 2),
    fixed(row.summary.p95, 2),
    fixed(row.summary.p99, 2),
    fixed(row.summary.max, 2),
    fixed(row.summary.perSecond, 0),
    row.rssMiB
      ? Object.entries(row.rssMiB)
          .map(([name, mib]) => `${name} ${mib.toFixed(0)}`)
          .join(', ')
      : '',
    row.note ?? '',
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...body.map((cells) => cells[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => (i >= 2 && i <= 7 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i >= 2 && i <= 7 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}
