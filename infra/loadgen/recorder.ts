/** What the load generator saw: latencies (submit → query:result) and errors by code. */
export class Recorder {
  private readonly latencies: number[] = [];
  private readonly firstLatencies: number[] = [];
  private readonly errors = new Map<string, number>();
  /** Answers whose sandbox was built again (`sandbox: "recreated"`): each one a student's work lost. */
  recreated = 0;
  private lastReport = { at: performance.now(), results: 0 };
  connected = 0;
  inFlight = 0;

  result(ms: number, first: boolean, sandbox?: string): void {
    (first ? this.firstLatencies : this.latencies).push(ms);
    if (sandbox === 'recreated') this.recreated++;
  }

  error(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** The p-th percentile (nearest rank) of first or later answers, in ms; undefined without any. */
  percentile(which: 'first' | 'later', p: number): number | undefined {
    const s = [...(which === 'first' ? this.firstLatencies : this.latencies)].sort((a, b) => a - b);
    return s.length === 0 ? undefined : s[Math.min(s.length, Math.ceil((p / 100) * s.length)) - 1];
  }

  get errorCount(): number {
    return [...this.errors.values()].reduce((sum, n) => sum + n, 0);
  }

  get results(): number {
    return this.latencies.length + this.firstLatencies.length;
  }

  /** One progress line: results per second since the previous line. */
  progress(): string {
    const now = performance.now();
    const rate = ((this.results - this.lastReport.results) / (now - this.lastReport.at)) * 1000;
    this.lastReport = { at: now, results: this.results };
    const errors = this.errorCount;
    return `connected ${this.connected}, in flight ${this.inFlight}, results ${this.results} (${rate.toFixed(1)}/s), errors ${errors}`;
  }

  summary(wallMs: number): string {
    const line = (name: string, which: 'first' | 'later') => {
      const n = which === 'first' ? this.firstLatencies.length : this.latencies.length;
      const at = (p: number) => this.percentile(which, p)?.toFixed(0) ?? '-';
      return `  ${name.padEnd(22)} n=${String(n).padEnd(7)} p50 ${at(50)} ms  p95 ${at(95)} ms  p99 ${at(99)} ms  max ${at(100)} ms`;
    };
    const errors = [...this.errors.entries()].sort(([, a], [, b]) => b - a);
    return [
      `wall ${(wallMs / 1000).toFixed(1)} s, students connected ${this.connected}`,
      `results ${this.results} (${((this.results / wallMs) * 1000).toFixed(1)}/s)`,
      'latency, submit → query:result:',
      line('first (new sandbox)', 'first'),
      line('later (existing)', 'later'),
      `errors: ${errors.length === 0 ? 'none' : errors.map(([code, n]) => `${code} ${n}`).join(', ')}`,
      `sandboxes rebuilt under a student (answers with sandbox "recreated"): ${this.recreated}`,
    ].join('\n');
  }
}
