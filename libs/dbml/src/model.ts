/**
 * Our own view of a DBML schema: just what the SQL generators need, with every
 * @dbml/core quirk (type names carrying their arguments, `public` as the default
 * schema, defaults as strings) resolved once in build-model.ts.
 */

/** A name in a schema; `schema` is null for the default schema (`public` in DBML). */
export interface QualifiedName {
  schema: string | null;
  name: string;
}

/** What a column holds, which decides how a literal is written for it. */
export type ColumnKind = 'boolean' | 'integer' | 'number' | 'datetime' | 'date' | 'time' | 'string' | 'enum' | 'other';

export interface ColumnType {
  /** Type name without arguments, lower case, e.g. `varchar`, `timestamp`. */
  base: string;
  /** Arguments as written, e.g. `10,2`, or null. */
  args: string | null;
  /** Set when the column's type is one of the DBML enums. */
  enumRef: QualifiedName | null;
  kind: ColumnKind;
}

export type ColumnDefault =
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'expression'; sql: string };

export interface ColumnModel {
  name: string;
  type: ColumnType;
  notNull: boolean;
  unique: boolean;
  /** `increment` in DBML or a serial type: the database numbers new rows. */
  autoIncrement: boolean;
  default: ColumnDefault | null;
  note: string | null;
}

export interface IndexPart {
  kind: 'column' | 'expression';
  /** A column name, or SQL text for an expression. */
  value: string;
}

export interface IndexModel {
  /** Always set: unnamed indexes get a generated name. */
  name: string;
  unique: boolean;
  /** `btree`, `hash`, ... as written, or null. */
  method: string | null;
  parts: IndexPart[];
}

export interface TableModel extends QualifiedName {
  columns: ColumnModel[];
  primaryKey: string[];
  indexes: IndexModel[];
  note: string | null;
}

export interface EnumModel extends QualifiedName {
  values: string[];
}

export type ReferentialAction = 'cascade' | 'restrict' | 'set null' | 'set default' | 'no action';

export interface ForeignKeyModel {
  name: string;
  table: QualifiedName;
  columns: string[];
  refTable: QualifiedName;
  refColumns: string[];
  onDelete: ReferentialAction | null;
  onUpdate: ReferentialAction | null;
}

/** SQL text written in DBML backticks (e.g. `now()`), inserted as is. */
export class RawSql {
  constructor(readonly sql: string) {}
}

/** A literal in a seed row: a JSON value (objects and arrays are stored as JSON text) or raw SQL. */
export type SeedValue = string | number | boolean | null | RawSql | object;

export interface SeedRow {
  columns: string[];
  values: SeedValue[];
}

export interface SeedTable {
  table: QualifiedName;
  rows: SeedRow[];
}

export interface SchemaModel {
  /** Named schemas other than the default one, in order of first use. */
  schemas: string[];
  enums: EnumModel[];
  tables: TableModel[];
  foreignKeys: ForeignKeyModel[];
  seeds: SeedTable[];
}
