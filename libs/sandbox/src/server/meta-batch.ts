import type { SandboxMeta, ServerAdmin } from './server-admin.ts';

/** Rows per statement at most (MySQL's placeholders and a statement's size stay small). */
const MAX_ROWS = 500;

interface Waiting {
  meta: SandboxMeta;
  settled: { resolve: () => void; reject: (error: unknown) => void }[];
}

/**
 * Writes the metadata rows of many sandboxes as one statement: the rows asked for within a tick, and those
 * asked for while a statement runs, go out together. At an exam's start every claim records its session as
 * the sandbox's owner (1,000 claims in seconds); one INSERT and one commit each (a WAL flush on PostgreSQL)
 * cost the workers 5–10 % of their CPU. The last row asked for a name wins; each caller learns its own
 * row's fate.
 */
export class MetaBatch {
  private waiting = new Map<string, Waiting>();
  private writing: Promise<void> | undefined;

  constructor(private readonly admin: ServerAdmin) {}

  write(name: string, meta: SandboxMeta): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry = this.waiting.get(name);
      if (entry) {
        entry.meta = meta;
        entry.settled.push({ resolve, reject });
      } else {
        this.waiting.set(name, { meta, settled: [{ resolve, reject }] });
      }
      this.writing ??= this.writeAll();
    });
  }

  private async writeAll(): Promise<void> {
    // The rest of this tick's claims join the first.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.waiting.size > 0) {
      const batch = [...this.waiting].slice(0, MAX_ROWS);
      for (const [name] of batch) this.waiting.delete(name);
      try {
        await this.writeRows(new Map(batch.map(([name, { meta }]) => [name, meta])));
        for (const [, { settled }] of batch) for (const { resolve } of settled) resolve();
      } catch (error) {
        for (const [, { settled }] of batch) for (const { reject } of settled) reject(error);
      }
    }
    this.writing = undefined;
  }

  private async writeRows(metas: Map<string, SandboxMeta>): Promise<void> {
    if (this.admin.writeMetas) return this.admin.writeMetas(metas);
    for (const [name, meta] of metas) await this.admin.writeMeta(name, meta);
  }
}
