export type { ConnectionFigures, Engine, RunRecord } from './engine.ts';
export type { EngineOptions } from './engine-options.ts';
export {
  detectFlavour,
  flavourOf,
  MssqlEngine,
  type MssqlFlavour,
  type MssqlServerKind,
  nLiteral,
  type SandboxSteps,
} from './mssql/index.ts';
export { MysqlEngine } from './mysql/mysql-engine.ts';
export { splitMysql } from './mysql/mysql-splitter.ts';
export { rollBackPreparedXa, type XaQuery } from './mysql/prepared-xa.ts';
export { PostgresEngine } from './postgres/postgres-engine.ts';
export { splitPostgres } from './postgres/postgres-splitter.ts';
export { createEngine, createEngines } from './registry.ts';
export type { Statement } from './statement-splitter.ts';
export type { WatchdogLogin, WatchdogLogins } from './watchdog-login.ts';
