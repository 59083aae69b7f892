import type { Dialect } from '../dialect.ts';
import { foreignKeySql } from '../foreign-keys.ts';
import type { SeedRow, SeedTable, TableModel } from '../model.ts';
import { identityRuns, insertStatements, tableOf } from '../seed-sql.ts';
import { comments, createEnum, createIndex, createTable } from './ddl.ts';
import { postgresQuoting as q } from './quote.ts';

/** PostgreSQL: schema, enums, tables, indexes and comments; then the seed rows; then foreign keys. */
export const postgresDialect: Dialect = (model, seeds) => {
  const ddl = [
    ...model.schemas.map((s) => `CREATE SCHEMA IF NOT EXISTS ${q.ident(s)}`),
    ...model.enums.map(createEnum),
    ...model.tables.map(createTable),
    ...model.tables.flatMap((t) => t.indexes.map((i) => createIndex(t, i))),
    ...model.tables.flatMap(comments),
  ];
  const seed = seeds.flatMap((s) => seedTable(tableOf(model.tables, s), s));
  const keys = model.foreignKeys.map((fk) => foreignKeySql(fk, q));
  return [ddl, seed, keys].filter((b) => b.length > 0).map((b) => `${b.join(';\n')};`);
};

function seedTable(table: TableModel, seed: SeedTable): string[] {
  const statements: string[] = [];
  for (const run of identityRuns(table, seed.rows)) {
    statements.push(...insertStatements(table, run.rows, q));
    if (run.explicit) statements.push(...moveSequences(table, run.rows));
  }
  return statements;
}

/**
 * Identity and serial sequences do not see explicit ids: move them past the largest one,
 * so that the next INSERT without an id (a later seed row or the student's) does not collide.
 */
function moveSequences(table: TableModel, rows: SeedRow[]): string[] {
  const given = new Set(rows.flatMap((r) => r.columns));
  return table.columns
    .filter((c) => c.autoIncrement && given.has(c.name))
    .map((column) => {
      const sequence = `pg_get_serial_sequence(${q.string(q.table(table))}, ${q.string(column.name)})`;
      const next = `(SELECT GREATEST(COALESCE(MAX(${q.ident(column.name)}), 0) + 1, 1) FROM ${q.table(table)})`;
      return `SELECT setval(${sequence}, ${next}, false)`;
    });
}
