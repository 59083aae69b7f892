/**
 * Counts each fleet process's warnings and errors by message, to catch a warning logged once per query
 * ("a warning repeated a thousand times is a bug"): the fleet folds repeats (RepeatFolder) into about two
 * lines per message per 10 s, so more than a few of one message in a 10-s window means a site that does not.
 */
const WINDOW_MS = 10_000;
const FOLD_SUFFIX = / \(and \d+ more in the last [\d.]+ s\)$/;

export class WarningTally {
  private readonly partial = new Map<string, string>();
  /** Per process and message: when each line was logged. */
  private readonly times = new Map<string, number[]>();

  /** Takes a chunk of one process's output (pino JSON lines, possibly cut mid-line). */
  feed(processName: string, chunk: string): void {
    const lines = ((this.partial.get(processName) ?? '') + chunk).split('\n');
    this.partial.set(processName, lines.pop() ?? '');
    for (const line of lines) this.count(processName, line);
  }

  /** `process: message ×n` for each message some process logged more than `limit` times within 10 s. */
  over(limit: number): string[] {
    const found: string[] = [];
    for (const [key, times] of this.times) {
      let start = 0;
      let most = 0;
      for (let end = 0; end < times.length; end++) {
        while ((times[end] ?? 0) - (times[start] ?? 0) >= WINDOW_MS) start++;
        most = Math.max(most, end - start + 1);
      }
      if (most > limit) found.push(`${key} ×${most} in 10 s`);
    }
    return found;
  }

  private count(processName: string, line: string): void {
    if (!line.startsWith('{')) return;
    let entry: { level?: number; msg?: string; time?: number };
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    if ((entry.level ?? 0) < 40 || typeof entry.msg !== 'string') return;
    const key = `${processName}: ${entry.msg.replace(FOLD_SUFFIX, '')}`;
    const times = this.times.get(key) ?? [];
    times.push(entry.time ?? Date.now());
    this.times.set(key, times);
  }
}
