export { coalesceWrites } from './coalesce-writes.ts';
export {
  type Config,
  ENGINE_NAMES,
  ENV_SCHEMA,
  type EngineName,
  type LimitPair,
  loadConfig,
  MAX_PRIORITY,
} from './config.ts';
export { AppError, type AppErrorOptions, ERROR_CODES, type ErrorCode, isAppError, isErrorCode } from './errors.ts';
export { createLogger, type Logger, type LoggerOptions, redactUrlTokens } from './logger.ts';
export { type MetricsSource, serveMetrics } from './metrics-server.ts';
export type { RedisTarget, SentinelAddress } from './redis-target.ts';
export { RepeatFolder, type RepeatFolderOptions } from './repeat-folder.ts';
export { type Closer, Shutdown, type ShutdownOptions } from './shutdown.ts';
