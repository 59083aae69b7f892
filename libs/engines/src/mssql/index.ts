export { MssqlEngine, type MssqlEngineOptions } from './mssql-engine.ts';
