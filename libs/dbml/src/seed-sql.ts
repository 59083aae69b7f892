import { literal } from './literal.ts';
import type { ColumnModel, SeedRow, SeedTable, TableModel } from './model.ts';
import type { Quoting } from './quoting.ts';

/** SQL Server takes at most 1000 rows per VALUES list; smaller statements also keep errors readable. */
const ROWS_PER_INSERT = 500;

/** INSERT statements (without the trailing `;`) for a table's seed rows, in their given order. */
export function insertStatements(table: TableModel, rows: SeedRow[], q: Quoting): string[] {
  const statements: string[] = [];
  let group: SeedRow[] = [];
  const flush = () => {
    if (group.length > 0) statements.push(insertOf(table, group, q));
    group = [];
  };
  for (const row of rows) {
    const first = group[0];
    if (first && (first.columns.join('\0') !== row.columns.join('\0') || group.length >= ROWS_PER_INSERT)) flush();
    group.push(row);
  }
  flush();
  return statements;
}

function insertOf(table: TableModel, rows: SeedRow[], q: Quoting): string {
  const first = rows[0] as SeedRow;
  const columns = first.columns.map((name) => columnOf(table, name));
  const head = `INSERT INTO ${q.table(table)} (${columns.map((c) => q.ident(c.name)).join(', ')}) VALUES`;
  const tuples = rows.map(
    (row) => `  (${row.values.map((v, i) => literal(v, columns[i] as ColumnModel, q)).join(', ')})`,
  );
  return `${head}\n${tuples.join(',\n')}`;
}

function columnOf(table: TableModel, name: string): ColumnModel {
  const column = table.columns.find((c) => c.name === name);
  if (!column) throw new Error(`seed column ${name} is not in table ${table.name}`);
  return column;
}

/** The table a seed belongs to (sample data and Records are checked against the schema before this). */
export function tableOf(tables: TableModel[], seed: SeedTable): TableModel {
  const table = tables.find((t) => t.schema === seed.table.schema && t.name === seed.table.name);
  if (!table) throw new Error(`seed rows for unknown table ${seed.table.name}`);
  return table;
}

/**
 * Splits rows into runs that do or do not give a value to an auto-increment column, in order:
 * engines that need help with explicit ids (sequences, IDENTITY_INSERT) handle each run.
 */
export function identityRuns(table: TableModel, rows: SeedRow[]): Array<{ explicit: boolean; rows: SeedRow[] }> {
  const identity = new Set(table.columns.filter((c) => c.autoIncrement).map((c) => c.name));
  const out: Array<{ explicit: boolean; rows: SeedRow[] }> = [];
  for (const row of rows) {
    const explicit = row.columns.some((c) => identity.has(c));
    const last = out.at(-1);
    if (last && last.explicit === explicit) last.rows.push(row);
    else out.push({ explicit, rows: [row] });
  }
  return out;
}
