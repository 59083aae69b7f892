import type { Dialect } from '../dialect.ts';
import { foreignKeySql } from '../foreign-keys.ts';
import type { SeedTable, TableModel } from '../model.ts';
import { identityRuns, insertStatements, tableOf } from '../seed-sql.ts';
import { createIndex, createTable } from './ddl.ts';
import { mssqlQuoting as q } from './quote.ts';

/**
 * SQL Server: each CREATE SCHEMA in a batch of its own (T-SQL requires it), then tables and
 * indexes, then the seed rows, then foreign keys.
 */
export const mssqlDialect: Dialect = (model, seeds) => {
  const schemas = model.schemas.map((s) => `CREATE SCHEMA ${q.ident(s)};`);
  const ddl = [
    ...model.tables.map((t) => createTable(t, model.enums)),
    ...model.tables.flatMap((t) => t.indexes.map((i) => createIndex(t, i))),
  ];
  const seed = seeds.flatMap((s) => seedTable(tableOf(model.tables, s), s));
  const keys = model.foreignKeys.map((fk) => foreignKeySql(fk, q, false));
  return [...schemas, ...[ddl, seed, keys].filter((b) => b.length > 0).map(terminate)];
};

/** Statements end with `;`; a comment line is left as it is. */
function terminate(statements: string[]): string {
  return statements.map((s) => (s.startsWith('--') ? s : `${s};`)).join('\n');
}

function seedTable(table: TableModel, seed: SeedTable): string[] {
  // Explicit values into an IDENTITY column are refused unless IDENTITY_INSERT is on (for one
  // table at a time), and while it is on every INSERT must give that column: so only runs of
  // rows that carry the identity column are wrapped. SQL Server then moves the identity past them.
  const statements: string[] = [];
  for (const run of identityRuns(table, seed.rows)) {
    const inserts = insertStatements(table, run.rows, q);
    if (!run.explicit) statements.push(...inserts);
    else
      statements.push(
        `SET IDENTITY_INSERT ${q.table(table)} ON`,
        ...inserts,
        `SET IDENTITY_INSERT ${q.table(table)} OFF`,
      );
  }
  return statements;
}
