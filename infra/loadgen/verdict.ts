/** The verdict of a rehearsal against the targets the operator gave (none given: no verdict). */
import type { Targets } from './options.ts';

export interface Observed {
  firstP95Ms: number | undefined;
  steadyP95Ms: number | undefined;
  errors: number;
  results: number;
  /** Answers whose sandbox was built again: each one a student's work lost. */
  recreated: number;
}

export interface Verdict {
  pass: boolean;
  lines: string[];
}

export function judge(observed: Observed, targets: Targets): Verdict | undefined {
  const lines: string[] = [];
  let pass = true;
  const check = (name: string, seen: number | undefined, limit: number | undefined, unit: string) => {
    if (limit === undefined) return;
    // Nothing measured is no evidence that the target holds.
    const ok = seen !== undefined && seen <= limit;
    pass &&= ok;
    const shown =
      seen === undefined ? 'nothing measured' : `${unit === '%' ? (seen * 100).toFixed(2) : seen.toFixed(0)}${unit}`;
    const bound = unit === '%' ? `${(limit * 100).toFixed(2)}%` : `${limit}${unit}`;
    lines.push(`  ${ok ? 'PASS' : 'FAIL'} ${name}: ${shown} (target ≤ ${bound})`);
  };
  check('first answer p95', observed.firstP95Ms, targets.firstP95Ms, ' ms');
  check('steady answer p95', observed.steadyP95Ms, targets.steadyP95Ms, ' ms');
  const attempts = observed.results + observed.errors;
  check('error rate', attempts === 0 ? undefined : observed.errors / attempts, targets.errorRate, '%');
  if (lines.length === 0) return undefined;
  // Not a target to choose: a sandbox rebuilt under a student (nothing in a rehearsal changes its schema) lost their work.
  check('sandboxes rebuilt under a student', observed.recreated, 0, '');
  return { pass, lines: [`verdict: ${pass ? 'PASS' : 'FAIL'}`, ...lines] };
}
