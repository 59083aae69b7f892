import { AppError } from '@sqlfleet/core';
import type { SchemaModel, SeedRow, SeedTable, SeedValue, TableModel } from './model.ts';
import { sampleValueProblem } from './sample-value.ts';

/** Sample data beside DBML Records: `{ "table" | "schema.table": [ { column: value } ] }`. */
export type SampleData = Record<string, Array<Record<string, unknown>>>;

/**
 * Checks `data` against the schema and appends its rows after the Records rows of each
 * table. Anything that does not fit is refused with DATA_INVALID naming the table and column.
 */
export function mergeSampleData(model: SchemaModel, data: unknown): SeedTable[] {
  const seeds = model.seeds.map((s) => ({ table: s.table, rows: [...s.rows] }));
  if (data === undefined || data === null) return seeds;
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw invalid('data must be an object of tables, each an array of rows', null, null);
  }
  for (const [key, rows] of Object.entries(data)) {
    const table = findTable(model.tables, key);
    if (!table) throw invalid(`data names an unknown table "${key}"`, key, null);
    if (!Array.isArray(rows)) throw invalid(`data for table "${key}" must be an array of rows`, key, null);
    let seed = seeds.find((s) => s.table.schema === table.schema && s.table.name === table.name);
    if (!seed) {
      seed = { table: { schema: table.schema, name: table.name }, rows: [] };
      seeds.push(seed);
    }
    rows.forEach((row, index) => {
      seed.rows.push(toRow(table, key, row, index));
    });
  }
  return seeds;
}

function toRow(table: TableModel, key: string, row: unknown, index: number): SeedRow {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    throw invalid(`row ${index} of table "${key}" must be an object of column values`, key, null);
  }
  if (Object.keys(row).length === 0) throw invalid(`row ${index} of table "${key}" has no columns`, key, null);
  const columns: string[] = [];
  const values: SeedValue[] = [];
  for (const [column, value] of Object.entries(row)) {
    const model = table.columns.find((c) => c.name === column);
    if (!model) throw invalid(`table "${key}" has no column "${column}"`, key, column);
    const problem = sampleValueProblem(model.type.kind, value);
    if (problem) {
      throw invalid(
        `row ${index} of table "${key}", column "${column}": ${JSON.stringify(value)} is ${problem}`,
        key,
        column,
      );
    }
    columns.push(column);
    values.push(value === undefined ? null : (value as SeedValue));
  }
  return { columns, values };
}

/** `schema.table` names a table exactly; a bare name means the default schema, else the one table so named. */
function findTable(tables: TableModel[], key: string): TableModel | undefined {
  const exact = tables.find((t) => (t.schema === null ? t.name : `${t.schema}.${t.name}`) === key);
  if (exact) return exact;
  const dot = key.indexOf('.');
  if (dot > 0 && key.slice(0, dot) === 'public')
    return tables.find((t) => t.schema === null && t.name === key.slice(dot + 1));
  const byName = tables.filter((t) => t.name === key);
  return byName.length === 1 ? byName[0] : undefined;
}

function invalid(message: string, table: string | null, column: string | null): AppError {
  return new AppError('DATA_INVALID', message, { details: { table, column } });
}
