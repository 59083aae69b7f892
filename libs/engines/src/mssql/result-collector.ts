import type { QueryLimits, ResultSet } from '@sqlfleet/contracts';
import { ByteBudget } from '../result-builder.ts';
import { type MssqlColumnMeta, rowConverter, toColumn } from './mssql-values.ts';

/**
 * Gathers a script's result sets from mssql's stream events, in order, within the row cap (per
 * result set) and the byte cap (the JSON size of all kept rows together, and each result set's own bytes:
 * a procedure that loops over an INSERT sends a count per turn).
 *
 * A SELECT's row count arrives after its rows (`rowsaffected`); a count with no open result set
 * belongs to a statement that returned none (INSERT, UPDATE, `SELECT @v = ...`) and becomes an
 * empty result set carrying the count, like SSMS's "(n rows affected)". Under SET NOCOUNT ON no
 * count arrives and a result set's count is the rows seen.
 */
export class ResultCollector {
  readonly results: ResultSet[] = [];
  private open?: { set: ResultSet; seen: number; convert: (row: readonly unknown[]) => unknown[] };
  private readonly budget: ByteBudget;
  private full = false;

  constructor(private readonly limits: Pick<QueryLimits, 'maxRows' | 'maxBytes'>) {
    this.budget = new ByteBudget(limits.maxBytes);
  }

  /** True once a cap cut a result set short: the caller stops the script there. */
  get capped(): boolean {
    return this.full;
  }

  startSet(columns: readonly MssqlColumnMeta[]): void {
    this.closeOpen();
    if (this.full) return;
    const set: ResultSet = { columns: columns.map(toColumn), rows: [], rowCount: 0, truncated: false };
    if (!this.budget.takeResultSet(set.columns)) {
      this.full = true;
      return;
    }
    this.results.push(set);
    this.open = { set, seen: 0, convert: rowConverter(columns) };
  }

  /** Keeps a row; false once a cap is reached, when the caller cancels the request. */
  addRow(row: unknown): boolean {
    const open = this.open;
    if (this.full || !open) return false;
    open.seen += 1;
    // FOR JSON / FOR XML output comes as one object row `{ 0: text }` even in array row mode.
    const values = open.convert(Array.isArray(row) ? row : Object.values(row as object));
    const size = Buffer.byteLength(JSON.stringify(values));
    if (open.set.rows.length >= this.limits.maxRows || size > this.budget.remaining) {
      open.set.truncated = true;
      this.full = true;
      return false;
    }
    this.budget.remaining -= size;
    open.set.rows.push(values);
    return true;
  }

  rowsAffected(count: number): void {
    if (this.open) {
      this.open.set.rowCount = Math.max(count, this.open.seen);
      this.open = undefined;
      return;
    }
    if (this.full) return;
    if (this.budget.takeResultSet()) this.results.push({ columns: [], rows: [], rowCount: count, truncated: false });
    else this.full = true;
  }

  /** Ends the last result set; call between batches and at the end. */
  closeOpen(): void {
    if (!this.open) return;
    // No count came (NOCOUNT ON, or the request was cancelled at a cap): the rows seen, at least.
    this.open.set.rowCount = this.open.seen;
    this.open = undefined;
  }
}
