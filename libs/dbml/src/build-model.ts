import type { Database, Enum, Field, Index, Ref, Table } from '@dbml/core';
import { columnKind, SERIAL_TYPES } from './column-kind.ts';
import type {
  ColumnDefault,
  ColumnModel,
  ColumnType,
  EnumModel,
  ForeignKeyModel,
  IndexModel,
  QualifiedName,
  ReferentialAction,
  SchemaModel,
  SeedTable,
  SeedValue,
  TableModel,
} from './model.ts';
import { RawSql } from './model.ts';
import { NameAllocator } from './naming.ts';

const DEFAULT_SCHEMA = 'public';

/** Turns @dbml/core's parsed Database into our SchemaModel (tables, enums, keys, Records rows). */
export function buildModel(db: Database): SchemaModel {
  const names = new NameAllocator();
  for (const schema of db.schemas) {
    for (const table of schema.tables) for (const index of table.indexes) if (index.name) names.reserve(index.name);
    for (const ref of schema.refs) if (ref.name) names.reserve(ref.name);
  }
  const schemas: string[] = [];
  const enums: EnumModel[] = [];
  const tables: TableModel[] = [];
  const foreignKeys: ForeignKeyModel[] = [];
  for (const schema of db.schemas) {
    const schemaName = schemaOf(schema.name);
    if (schemaName !== null && (schema.tables.length > 0 || schema.enums.length > 0)) schemas.push(schemaName);
    for (const e of schema.enums) enums.push(toEnum(e));
    for (const table of schema.tables) tables.push(toTable(table, names));
    for (const ref of schema.refs) {
      const fk = toForeignKey(ref, names);
      if (fk) foreignKeys.push(fk);
    }
  }
  return { schemas, enums, tables, foreignKeys, seeds: toSeeds(db) };
}

function schemaOf(name: string | null | undefined): string | null {
  return !name || name === DEFAULT_SCHEMA ? null : name;
}

function toEnum(e: Enum): EnumModel {
  return { schema: schemaOf(e.schema?.name), name: e.name, values: e.values.map((v) => v.name) };
}

function toTable(table: Table, names: NameAllocator): TableModel {
  const columns = table.fields.map(toColumn);
  const primaryKey = table.fields.filter((f) => f.pk).map((f) => f.name);
  const indexes: IndexModel[] = [];
  for (const index of table.indexes) {
    const parts = index.columns.map((c) => ({
      kind: c.type === 'expression' ? ('expression' as const) : ('column' as const),
      value: String(c.value),
    }));
    if (index.pk) {
      primaryKey.splice(0, primaryKey.length, ...parts.map((p) => p.value));
      continue;
    }
    indexes.push(toIndex(table, index, parts, names));
  }
  return {
    schema: schemaOf(table.schema?.name),
    name: table.name,
    columns,
    primaryKey,
    indexes,
    note: table.note || null,
  };
}

function toIndex(table: Table, index: Index, parts: IndexModel['parts'], names: NameAllocator): IndexModel {
  const unique = Boolean(index.unique);
  const name =
    index.name ||
    names.allocate([table.name, ...parts.map((p) => (p.kind === 'column' ? p.value : 'expr'))], unique ? 'key' : 'idx');
  return { name, unique, method: index.type ? String(index.type).toLowerCase() : null, parts };
}

function toColumn(field: Field): ColumnModel {
  const type = toColumnType(field);
  return {
    name: field.name,
    type,
    notNull: Boolean(field.not_null),
    unique: Boolean(field.unique),
    autoIncrement: Boolean(field.increment) || SERIAL_TYPES.has(type.base),
    default: toDefault(field.dbdefault),
    note: field.note || null,
  };
}

function toColumnType(field: Field): ColumnType {
  const raw = field.type as { type_name: string; args: string | null; schemaName: string | null };
  const args = raw.args ?? null;
  const written =
    args !== null && raw.type_name.endsWith(')')
      ? raw.type_name.slice(0, raw.type_name.lastIndexOf('('))
      : raw.type_name;
  const e = field._enum as Enum | undefined;
  if (e) return { base: e.name, args: null, enumRef: { schema: schemaOf(e.schema?.name), name: e.name }, kind: 'enum' };
  const base = written.trim().replace(/\s+/g, ' ').toLowerCase();
  return { base, args, enumRef: null, kind: columnKind(base) };
}

function toDefault(dbdefault: unknown): ColumnDefault | null {
  if (!dbdefault || typeof dbdefault !== 'object') return null;
  const { type, value } = dbdefault as { type: string; value: unknown };
  switch (type) {
    case 'number':
      return { kind: 'number', value: Number(value) };
    case 'string':
      return { kind: 'string', value: String(value) };
    case 'boolean':
      return value === 'null' || value === null
        ? { kind: 'null' }
        : { kind: 'boolean', value: String(value) === 'true' };
    default:
      return { kind: 'expression', sql: String(value) };
  }
}

function toForeignKey(ref: Ref, names: NameAllocator): ForeignKeyModel | null {
  // Like @dbml/core: the first endpoint on a "one" side is referenced, the other holds the key.
  const refIndex = ref.endpoints.findIndex((e) => e.relation === '1');
  const target = ref.endpoints[refIndex];
  const source = ref.endpoints[1 - refIndex];
  if (refIndex < 0 || !target || !source) return null; // many-to-many: no foreign key to make
  const table: QualifiedName = { schema: schemaOf(source.schemaName), name: source.tableName };
  return {
    name: ref.name || names.allocate([source.tableName, ...source.fieldNames], 'fkey'),
    table,
    columns: source.fieldNames,
    refTable: { schema: schemaOf(target.schemaName), name: target.tableName },
    refColumns: target.fieldNames,
    onDelete: toAction(ref.onDelete),
    onUpdate: toAction(ref.onUpdate),
  };
}

function toAction(action: unknown): ReferentialAction | null {
  if (typeof action !== 'string' || !action) return null;
  return action.toLowerCase().replace(/\s+/g, ' ') as ReferentialAction;
}

function toSeeds(db: Database): SeedTable[] {
  const seeds: SeedTable[] = [];
  for (const record of db.records ?? []) {
    const table = { schema: schemaOf(record.schemaName), name: record.tableName };
    let seed = seeds.find((s) => s.table.schema === table.schema && s.table.name === table.name);
    if (!seed) {
      seed = { table, rows: [] };
      seeds.push(seed);
    }
    for (const values of record.values) {
      seed.rows.push({ columns: [...record.columns], values: values.map(toSeedValue) });
    }
  }
  return seeds;
}

function toSeedValue(cell: { value: unknown; type: string }): SeedValue {
  if (cell.value === null || cell.value === undefined) return null;
  if (cell.type === 'expression') return new RawSql(String(cell.value));
  if (cell.type === 'bool') return Boolean(cell.value);
  return cell.value as SeedValue;
}
