/**
 * The alert rules, unit-tested by promtool (Debian's prometheus package, installed by
 * scripts/test-tools/setup.sh): infra/prometheus/alerts.test.yml feeds series to every rule and
 * says which alerts must fire, and when.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('../../infra/prometheus/', import.meta.url));
const promtool = (...args: string[]) => spawnSync('promtool', args, { cwd: dir, encoding: 'utf8' });

describe('Prometheus rules', () => {
  it('are valid, and so is the Prometheus configuration', () => {
    const rules = promtool('check', 'rules', 'alerts.yml');
    expect(rules.error, 'promtool is missing: run scripts/test-tools/setup.sh').toBeUndefined();
    expect(rules.stdout + rules.stderr).toMatch(/SUCCESS: \d+ rules found/);
    // dns_sd names resolve only inside compose; the check reads the file and its rule files.
    const config = promtool('check', 'config', '--syntax-only', 'prometheus.yml');
    expect(config.stdout + config.stderr).toContain('SUCCESS');
    expect(config.status).toBe(0);
  });

  it('fire as their unit tests say', () => {
    const run = promtool('test', 'rules', 'alerts.test.yml');
    expect(run.stdout + run.stderr).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });
});
