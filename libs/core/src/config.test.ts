import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV_SCHEMA, loadConfig } from './config.ts';
import { AppError } from './errors.ts';

describe('loadConfig', () => {
  it('gives every variable a default, with limits as default and ceiling', () => {
    const config = loadConfig({});
    expect(config.http.port).toBe(3000);
    expect(config.limits.queryTimeMs).toEqual({ default: 5_000, ceiling: 30_000 });
    expect(config.limits.rows).toEqual({ default: 10_000, ceiling: 100_000 });
    expect(config.limits.resultBytes.default).toBe(8 * 1024 * 1024);
    expect(config.engines.enabled).toEqual(['postgres', 'mysql', 'mssql']);
  });

  it('reads the environment and freezes the result', () => {
    const config = loadConfig({ PORT: '4100', ENGINES: 'postgres, mysql', QUERY_TIMEOUT_MS: '2000' });
    expect(config.http.port).toBe(4100);
    expect(config.engines.enabled).toEqual(['postgres', 'mysql']);
    expect(config.limits.queryTimeMs.default).toBe(2000);
    expect(Object.isFrozen(config.limits.queryTimeMs)).toBe(true);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('reports every problem at once', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'abc', SANDBOX_PROVISIONER: 'cloud', QUERY_TIMEOUT_MS: '60000', ENGINES: 'postgres,oracle' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    const problems = (caught as AppError).details.problems as string[];
    expect(problems.some((p) => p.startsWith('PORT'))).toBe(true);
    expect(problems.some((p) => p.startsWith('SANDBOX_PROVISIONER'))).toBe(true);
  });

  it('refuses a default above its ceiling and an unknown engine', () => {
    expect(() => loadConfig({ QUERY_TIMEOUT_MS: '60000' })).toThrow(
      /QUERY_TIMEOUT_MS: 60000 is above QUERY_TIMEOUT_MAX_MS/,
    );
    expect(() => loadConfig({ ENGINES: 'postgres,oracle' })).toThrow(/unknown engine "oracle"/);
  });

  it('documents every variable in docs/configuration.md', () => {
    const documented = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    const names = [...documented.matchAll(/^\|\s*`([A-Z_]+)`\s*\|/gm)].map((m) => m[1]);
    expect(names.sort()).toEqual(Object.keys(ENV_SCHEMA).sort());
  });
});
