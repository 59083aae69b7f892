import type { Column, ResultSet } from '@sqlfleet/contracts';

/**
 * What a result set's place in the answer counts for, where a statement can return any number of them: a
 * MariaDB procedure that selects in a loop made 800 MB of result sets in the worker within 5 s.
 */
export const RESULT_SET_BYTES = 64;

/**
 * Characters of a row's values as text: about their size in JSON, far cheaper to measure. For rows an
 * engine drops unkept, to tell a result past the cap by far (see the engines' stop thresholds).
 */
export function rowTextLength(row: readonly unknown[]): number {
  let length = 0;
  for (const value of row) {
    if (typeof value === 'string') length += value.length;
    else if (Buffer.isBuffer(value)) length += value.length;
    else length += value === null ? 4 : 8;
  }
  return length;
}

/** A column's JSON besides its name and type: `{"name":"","type":""},`. */
const COLUMN_BYTES = 22;

/**
 * The result-bytes cap is shared by every result set of one script. Rows take from `remaining`; the result
 * sets' own bytes are bounded apart, by as much again, so that a script whose rows filled the cap still
 * gets its next statements' (small) results.
 */
export class ByteBudget {
  private setRoom: number;

  constructor(public remaining: number) {
    this.setRoom = remaining;
  }

  /** Takes a result set's own bytes (its columns' besides); false once the sets' room is spent: no more can be kept. */
  takeResultSet(columns: readonly Column[] = []): boolean {
    let size = RESULT_SET_BYTES;
    for (const column of columns) size += column.name.length + column.type.length + COLUMN_BYTES;
    if (this.setRoom < size) return false;
    this.setRoom -= size;
    return true;
  }
}

/**
 * Collects one statement's rows up to the row cap and the script's byte budget (measured as
 * JSON). A row that does not fit is left out whole and marks the result truncated.
 */
export class ResultBuilder {
  readonly rows: unknown[][] = [];
  truncated = false;
  /** Rows the engine sent, kept or not. */
  seen = 0;

  constructor(
    private readonly maxRows: number,
    private readonly budget: ByteBudget,
  ) {}

  /** Adds a row; false once the result is truncated (the caller may stop reading). */
  add(row: unknown[]): boolean {
    this.seen += 1;
    if (this.truncated) return false;
    if (this.rows.length >= this.maxRows) return this.cut();
    const size = Buffer.byteLength(JSON.stringify(row));
    if (size > this.budget.remaining) return this.cut();
    this.budget.remaining -= size;
    this.rows.push(row);
    return true;
  }

  /** Counts rows the engine sent but dropped unread, too large for the budget: the result is truncated. */
  skip(rows: number): void {
    this.seen += rows;
    if (rows > 0) this.truncated = true;
  }

  build(columns: Column[], rowCount: number, command: string | undefined): ResultSet {
    const result: ResultSet = { columns, rows: this.rows, rowCount, truncated: this.truncated };
    if (command !== undefined) result.command = command;
    return result;
  }

  private cut(): false {
    this.truncated = true;
    return false;
  }
}
