import { describe, expect, it } from 'vitest';
import { judge } from '../../infra/loadgen/verdict.ts';

describe('load rehearsal verdict', () => {
  const observed = { firstP95Ms: 900, steadyP95Ms: 40, errors: 1, results: 199, recreated: 0 };

  it('passes when every given target holds', () => {
    const verdict = judge(observed, { firstP95Ms: 1000, steadyP95Ms: 50, errorRate: 0.01 });
    expect(verdict?.pass).toBe(true);
    expect(verdict?.lines).toEqual([
      'verdict: PASS',
      '  PASS first answer p95: 900 ms (target ≤ 1000 ms)',
      '  PASS steady answer p95: 40 ms (target ≤ 50 ms)',
      '  PASS error rate: 0.50% (target ≤ 1.00%)',
      '  PASS sandboxes rebuilt under a student: 0 (target ≤ 0)',
    ]);
  });

  it('fails whenever a sandbox was rebuilt under a student, whatever the targets given', () => {
    const verdict = judge({ ...observed, recreated: 3 }, { errorRate: 0.01 });
    expect(verdict?.pass).toBe(false);
    expect(verdict?.lines).toContain('  FAIL sandboxes rebuilt under a student: 3 (target ≤ 0)');
  });

  it('fails on any target missed, and on a target with nothing measured', () => {
    expect(judge(observed, { firstP95Ms: 500 })?.lines).toEqual([
      'verdict: FAIL',
      '  FAIL first answer p95: 900 ms (target ≤ 500 ms)',
      '  PASS sandboxes rebuilt under a student: 0 (target ≤ 0)',
    ]);
    expect(judge({ ...observed, steadyP95Ms: undefined }, { steadyP95Ms: 100 })?.pass).toBe(false);
    expect(judge({ ...observed, errors: 0, results: 0 }, { errorRate: 0.5 })?.pass).toBe(false);
  });

  it('gives no verdict without targets', () => {
    expect(judge(observed, {})).toBeUndefined();
  });
});
