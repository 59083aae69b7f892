import type { Dialect } from '../dialect.ts';
import { foreignKeySql } from '../foreign-keys.ts';
import { insertStatements, tableOf } from '../seed-sql.ts';
import { createIndex, createTable } from './ddl.ts';
import { mysqlQuoting as q } from './quote.ts';

/**
 * MySQL 8 / MariaDB 10.11: tables (enums inline, notes as COMMENT) and indexes; then the seed
 * rows; then foreign keys. AUTO_INCREMENT moves past explicit ids by itself.
 */
export const mysqlDialect: Dialect = (model, seeds) => {
  const ddl = [
    ...model.tables.map((t) => createTable(t, model.enums)),
    ...model.tables.flatMap((t) => t.indexes.flatMap((i) => createIndex(t, i) ?? [])),
  ];
  const seed = seeds.flatMap((s) => insertStatements(tableOf(model.tables, s), s.rows, q));
  const keys = model.foreignKeys.map((fk) => foreignKeySql(fk, q));
  return [ddl, seed, keys].filter((b) => b.length > 0).map((b) => `${b.join(';\n')};`);
};
