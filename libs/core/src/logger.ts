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

/** A bearer token given in a URL (`?token=…`, a proctor's dashboard link) never reaches a log line. */
export function redactUrlTokens(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
}

/** Fastify's request fields, with the URL's tokens redacted. */
const serializeRequest = (req: LoggedRequest) => ({
  method: req.method,
  url: redactUrlTokens(String(req.url ?? '')),
  host: req.host,
  remoteAddress: req.ip,
});

export function createLogger(options: LoggerOptions): Logger {
  return pino({
    serializers: { req: serializeRequest },
    name: options.name,
    level: options.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { app: options.name, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
