import { AppError, type EngineName } from '@sqlfleet/core';
import { buildModel } from './build-model.ts';
import type { CompiledSchema, CompileInput } from './compile-input.ts';
import type { Dialect } from './dialect.ts';
import { fingerprintOf } from './fingerprint.ts';
import type { SchemaModel } from './model.ts';
import { mssqlDialect } from './mssql/mssql-dialect.ts';
import { mysqlDialect } from './mysql/mysql-dialect.ts';
import { parseDbml } from './parse-dbml.ts';
import { postgresDialect } from './postgres/postgres-dialect.ts';
import { mergeSampleData } from './sample-data.ts';

const DIALECTS: Record<EngineName, Dialect> = { postgres: postgresDialect, mysql: mysqlDialect, mssql: mssqlDialect };

const EMPTY: SchemaModel = { schemas: [], enums: [], tables: [], foreignKeys: [], seeds: [] };

/**
 * DBML (+ Records, + sample data) → the batches that build a sandbox of `engine`.
 * Throws AppError DBML_INVALID (with line and column) or DATA_INVALID (with table and column).
 */
export function compileSchema(input: CompileInput): CompiledSchema {
  const dialect = Object.hasOwn(DIALECTS, input.engine) ? DIALECTS[input.engine] : undefined;
  if (!dialect) throw new AppError('UNKNOWN_ENGINE', `Unknown engine "${String(input.engine)}"`);
  const model = input.dbml?.trim() ? buildModel(parseDbml(input.dbml)) : EMPTY;
  const seeds = mergeSampleData(model, input.data);
  return { engine: input.engine, batches: dialect(model, seeds), fingerprint: fingerprintOf(input) };
}
