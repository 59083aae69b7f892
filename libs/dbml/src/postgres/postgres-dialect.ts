import type { Dialect } from '../dialect.ts';
import { foreignKeySql } from '../foreign-keys.ts';
import type { SeedTable, TableModel } from '../model.ts';
import { insertStatements, tableOf } from '../seed-sql.ts';
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
  const statements = insertStatements(table, seed.rows, q);
  // Identity and serial sequences do not see explicit ids: move them past the largest one,
  // so the next INSERT without an id does not collide.
  const given = new Set(seed.rows.flatMap((r) => r.columns));
  for (const column of table.columns) {
    if (!column.autoIncrement || !given.has(column.name)) continue;
    const sequence = `pg_get_serial_sequence(${q.string(q.table(table))}, ${q.string(column.name)})`;
    const next = `(SELECT GREATEST(COALESCE(MAX(${q.ident(column.name)}), 0) + 1, 1) FROM ${q.table(table)})`;
    statements.push(`SELECT setval(${sequence}, ${next}, false)`);
  }
  return statements;
}
