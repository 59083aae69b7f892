import type { Logger } from 'pino';

export type Closer = () => Promise<void> | void;

export interface ShutdownOptions {
  logger: Logger;
  /** Past this, the process exits even if a closer still runs. Default 25 s (k8s gives 30 s). */
  deadlineMs?: number;
  /** Called instead of process.exit, for tests. */
  exit?: (code: number) => void;
}

/**
 * Runs closers in reverse order of registration, each isolated from the others' failures,
 * once, on SIGTERM/SIGINT or when called. Calling it twice returns the same promise.
 */
export class Shutdown {
  private readonly closers: { name: string; close: Closer }[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly options: ShutdownOptions) {}

  add(name: string, close: Closer): void {
    this.closers.push({ name, close });
  }

  listen(signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): void {
    for (const signal of signals) {
      process.once(signal, () => {
        this.options.logger.info({ signal }, 'shutting down');
        void this.run().then(() => (this.options.exit ?? process.exit)(0));
      });
    }
  }

  run(): Promise<void> {
    this.running ??= this.closeAll();
    return this.running;
  }

  private async closeAll(): Promise<void> {
    const { logger, deadlineMs = 25_000 } = this.options;
    const timer = setTimeout(() => {
      logger.error({ deadlineMs }, 'shutdown deadline passed, exiting');
      (this.options.exit ?? process.exit)(1);
    }, deadlineMs);
    timer.unref();
    for (const { name, close } of [...this.closers].reverse()) {
      try {
        await close();
        logger.debug({ closer: name }, 'closed');
      } catch (error) {
        logger.error({ err: error, closer: name }, 'closer failed');
      }
    }
    clearTimeout(timer);
  }
}
