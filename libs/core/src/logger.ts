import { type Logger, pino } from 'pino';

export type { Logger };

export interface LoggerOptions {
  name: string;
  level?: string;
}

/** Credentials never reach a log line, whatever object carries them. */
const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'target.password',
  'connectionString',
  '*.connectionString',
  'headers.authorization',
  'req.headers.authorization',
];

export function createLogger(options: LoggerOptions): Logger {
  return pino({
    name: options.name,
    level: options.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { app: options.name, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
