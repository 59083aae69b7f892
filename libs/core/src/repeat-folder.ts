import type { Logger } from './logger.ts';

export interface RepeatFolderOptions {
  /** At most one line per message this often, in ms. Default 10 s. */
  intervalMs?: number;
}

type Level = 'warn' | 'error';

interface Window {
  level: Level;
  /** Lines folded into this window since its last line. */
  folded: number;
  /** Code and message of the first folded line's `err`, when it had one. */
  first: { code?: string; message: string } | undefined;
  openedAt: number;
  timer: NodeJS.Timeout;
}

const DEFAULT_INTERVAL_MS = 10_000;

/**
 * Logs a message that repeats (a warning per retried query while Redis or a database server is away)
 * at most once per interval: the first occurrence at once, in full; the ones after it within the
 * interval are counted (and written at debug level only), and when the interval ends one line says
 * how many were folded, with the first folded error's code and message:
 * `drain lease not renewed (and 347 more in the last 10 s)`.
 * Messages are told apart by their text: use a fixed text per kind and put the details in the fields.
 * A quiet interval closes the window; the next occurrence is logged at once again.
 */
export class RepeatFolder {
  private static readonly shared = new WeakMap<Logger, RepeatFolder>();

  /**
   * The folder of this logger, made on first use: every site logging through the same logger folds
   * a message together (the worker's several Redis connections write one line, not one each).
   */
  static of(logger: Logger): RepeatFolder;
  /** No logger, no folder (for the libs whose logger is optional). */
  static of(logger: Logger | undefined): RepeatFolder | undefined;
  static of(logger: Logger | undefined): RepeatFolder | undefined {
    if (!logger) return undefined;
    let folder = RepeatFolder.shared.get(logger);
    if (!folder) {
      folder = new RepeatFolder(logger);
      RepeatFolder.shared.set(logger, folder);
    }
    return folder;
  }

  private readonly intervalMs: number;
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly logger: Logger,
    options: RepeatFolderOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  }

  warn(fields: object, msg: string): void {
    this.write('warn', fields, msg);
  }

  error(fields: object, msg: string): void {
    this.write('error', fields, msg);
  }

  /** Writes the pending summaries now (at shutdown: counts are not lost with the process). */
  flush(): void {
    for (const [msg, window] of this.windows) {
      clearTimeout(window.timer);
      this.summarise(msg, window);
    }
    this.windows.clear();
  }

  private write(level: Level, fields: object, msg: string): void {
    const window = this.windows.get(msg);
    if (window) {
      window.folded++;
      window.first ??= errorOf(fields);
      this.logger.debug(fields, msg);
      return;
    }
    this.logger[level](fields, msg);
    this.open(level, msg);
  }

  private open(level: Level, msg: string): void {
    const timer = setTimeout(() => this.close(msg), this.intervalMs);
    timer.unref();
    this.windows.set(msg, { level, folded: 0, first: undefined, openedAt: Date.now(), timer });
  }

  /** The interval is over: its summary, if anything was folded, is the next interval's line. */
  private close(msg: string): void {
    const window = this.windows.get(msg);
    this.windows.delete(msg);
    if (!window || window.folded === 0) return;
    this.summarise(msg, window);
    this.open(window.level, msg);
  }

  private summarise(msg: string, { level, folded, first, openedAt }: Window): void {
    if (folded === 0) return;
    // The whole interval, or less when flushed early.
    const ms = Math.min(this.intervalMs, Math.max(0, Date.now() - openedAt));
    this.logger[level](
      { repeated: folded, overMs: ms, ...(first ? { firstError: first } : {}) },
      `${msg} (and ${folded} more in the last ${Math.round(ms / 100) / 10} s)`,
    );
  }
}

function errorOf(fields: object): Window['first'] {
  const err = (fields as { err?: unknown }).err;
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  return code === undefined ? { message: err.message } : { code: String(code), message: err.message };
}
