export { MssqlEngine, type MssqlEngineOptions } from './mssql-engine.ts';
export {
  detectFlavour,
  flavourOf,
  type MssqlFlavour,
  type MssqlServerKind,
  nLiteral,
  type SandboxSteps,
} from './server-flavour.ts';
