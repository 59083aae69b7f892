import { type Logger, RepeatFolder } from '@sqlfleet/core';
import type { SandboxManager } from '@sqlfleet/sandbox';
import type { ReaperMetrics } from './reaper-metrics.ts';

export interface ReaperOptions {
  manager: SandboxManager;
  sessionTtlMs: number;
  intervalMs: number;
  logger: Logger;
  metrics?: ReaperMetrics;
}

/**
 * Every interval: destroy sandboxes of sessions idle past their TTL, then sweep orphans.
 * Several replicas may run: each session is handled under its fleet-wide lock and
 * re-checked there, so two reapers never destroy a session that was just used.
 */
export class Reaper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: ReaperOptions) {}

  start(): void {
    const tick = () => {
      this.running = this.sweep().finally(() => {
        this.running = undefined;
        if (this.timer) this.timer = setTimeout(tick, this.options.intervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops the schedule and waits for a sweep in progress. Idempotent. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  async sweep(now = Date.now()): Promise<void> {
    const { manager, sessionTtlMs, logger, metrics } = this.options;
    try {
      const reaped = await manager.reapIdle(now - sessionTtlMs);
      const orphans = await manager.sweepOrphans();
      const templates = await manager.sweepTemplates();
      metrics?.swept({ idle: reaped.length, orphan: orphans.sandboxes.length, lost: orphans.handles.length });
      if (reaped.length + orphans.sandboxes.length + orphans.handles.length + templates.length > 0) {
        logger.info(
          {
            reaped: reaped.length,
            orphanSandboxes: orphans.sandboxes.length,
            lostSandboxes: orphans.handles.length,
            idleTemplates: templates.length,
          },
          'reaper sweep',
        );
      }
    } catch (error) {
      metrics?.sweepFailed();
      // Every interval while a server or Redis is away: one line per 10 s, with a count.
      RepeatFolder.of(logger).error({ err: error }, 'reaper sweep failed; next interval tries again');
    }
  }
}
