import { Counter, collectDefaultMetrics, Registry } from 'prom-client';

/** What the reaper reports: sandboxes it removed and why, and its sweeps (live ones: the API's sqlfleet_sessions_live). */
export class ReaperMetrics {
  readonly registry = new Registry();
  private readonly removed = new Counter({
    name: 'sqlfleet_sandboxes_reaped_total',
    help: 'Sandboxes the reaper removed: idle past their TTL, orphans (no live session), lost handles',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly sweeps = new Counter({
    name: 'sqlfleet_reaper_sweeps_total',
    help: 'Reaper sweeps, by result (ok, failed)',
    labelNames: ['result'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'sqlfleet_reaper_' });
    // Present from the start, so a rate() over them is defined before the first removal.
    for (const reason of ['idle', 'orphan', 'lost']) this.removed.inc({ reason }, 0);
    for (const result of ['ok', 'failed']) this.sweeps.inc({ result }, 0);
  }

  swept(counts: { idle: number; orphan: number; lost: number }): void {
    for (const [reason, count] of Object.entries(counts)) this.removed.inc({ reason }, count);
    this.sweeps.inc({ result: 'ok' });
  }

  sweepFailed(): void {
    this.sweeps.inc({ result: 'failed' });
  }
}
