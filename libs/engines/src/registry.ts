import { AppError, type EngineName } from '@sqlfleet/core';
import type { Engine } from './engine.ts';
import type { EngineOptions } from './engine-options.ts';
import { MssqlEngine } from './mssql/index.ts';
import { MysqlEngine } from './mysql/mysql-engine.ts';
import { PostgresEngine } from './postgres/postgres-engine.ts';

type EngineFactory = (options: EngineOptions) => Engine;

const FACTORIES: Partial<Record<EngineName, EngineFactory>> = {
  postgres: (options) => new PostgresEngine(options),
  mysql: (options) => new MysqlEngine(options),
  mssql: (options) => new MssqlEngine(options),
};

/** The engine of that name; throws ENGINE_UNAVAILABLE for one this build does not have. */
export function createEngine(name: EngineName, options: EngineOptions = {}): Engine {
  const factory = FACTORIES[name];
  if (!factory) throw new AppError('ENGINE_UNAVAILABLE', `The ${name} engine is not available`);
  return factory(options);
}

/** One engine per name, sharing the options (logger, pool sizes). */
export function createEngines(names: readonly EngineName[], options: EngineOptions = {}): Map<EngineName, Engine> {
  return new Map(names.map((name) => [name, createEngine(name, options)]));
}
