export { type Config, ENGINE_NAMES, ENV_SCHEMA, type EngineName, type LimitPair, loadConfig } from './config.ts';
export { AppError, type AppErrorOptions, ERROR_CODES, type ErrorCode, isAppError, isErrorCode } from './errors.ts';
export { createLogger, type Logger, type LoggerOptions } from './logger.ts';
export { type Closer, Shutdown, type ShutdownOptions } from './shutdown.ts';
