import { readdir, readFile } from 'node:fs/promises';

/** Resident set size of a process in MiB, from /proc (Linux); undefined once it has gone. */
export async function rssMiB(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/**
 * RSS of this process's children, named by the app each one runs (`apps/<name>/src/main.ts`),
 * numbered when several run the same app: `{ api: 95, worker1: 110, worker2: 108 }`.
 */
export async function childrenRss(): Promise<Record<string, number>> {
  const children: [app: string, mib: number][] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const [stat, cmdline] = await Promise.all([
      readFile(`/proc/${entry}/stat`, 'utf8').catch(() => ''),
      readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => ''),
    ]);
    // Field 4 of stat is the parent pid; the command name (field 2) may hold spaces, so split after it.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const app = /apps\/([a-z]+)\/src\/main\.ts/.exec(cmdline)?.[1];
    const mib = ppid === process.pid && app ? await rssMiB(Number(entry)) : undefined;
    if (app && mib !== undefined) children.push([app, mib]);
  }
  children.sort(([a], [b]) => a.localeCompare(b));
  const total = (app: string) => children.filter(([name]) => name === app).length;
  const seen = new Map<string, number>();
  const named: Record<string, number> = {};
  for (const [app, mib] of children) {
    const n = (seen.get(app) ?? 0) + 1;
    seen.set(app, n);
    named[total(app) > 1 ? `${app}${n}` : app] = mib;
  }
  return named;
}

export const ownRss = (): number => process.memoryUsage().rss / (1024 * 1024);
