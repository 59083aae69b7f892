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

  it('reaches Redis by URL unless sentinels are listed', () => {
    expect(loadConfig({}).redis).toEqual({ kind: 'url', url: 'redis://127.0.0.1:6379' });
    expect(loadConfig({ REDIS_URL: 'redis://r:6380', REDIS_PASSWORD: 'pw' }).redis).toEqual({
      kind: 'url',
      url: 'redis://r:6380',
      password: 'pw',
    });
    expect(
      loadConfig({
        REDIS_SENTINELS: 's1:26380, s2 ,[::1]:26381',
        REDIS_SENTINEL_MASTER: 'exam-redis',
        REDIS_PASSWORD: 'data-pw',
        REDIS_SENTINEL_PASSWORD: 'sentinel-pw',
      }).redis,
    ).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26380 },
        { host: 's2', port: 26379 },
        { host: '::1', port: 26381 },
      ],
      masterName: 'exam-redis',
      password: 'data-pw',
      sentinelPassword: 'sentinel-pw',
    });
    expect(loadConfig({ REDIS_SENTINELS: '10.0.0.5' }).redis).toMatchObject({ masterName: 'mymaster' });
  });

  it('reports every Redis problem at once', () => {
    const problemsOf = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        return (error as AppError).details.problems as string[];
      }
    };
    expect(problemsOf({ REDIS_SENTINELS: 's1', REDIS_SENTINEL_MASTER: 'no spaces' })).toEqual([
      'REDIS_SENTINEL_MASTER: letters, digits, dot, dash and underscore, at most 64',
    ]);
    expect(
      problemsOf({ REDIS_SENTINELS: 's1:26379,s2:99999,:26379,s3:x', REDIS_URL: 'redis://127.0.0.1:6379' }),
    ).toEqual([
      'REDIS_SENTINELS: "s2:99999" is not host:port',
      'REDIS_SENTINELS: ":26379" is not host:port',
      'REDIS_SENTINELS: "s3:x" is not host:port',
      'REDIS_URL: set REDIS_URL or REDIS_SENTINELS, not both',
    ]);
    expect(problemsOf({ REDIS_SENTINELS: ' , ' })).toEqual(['REDIS_SENTINELS: no sentinel listed']);
    expect(problemsOf({ REDIS_URL: 'redis://:a@r:6379', REDIS_PASSWORD: 'b', REDIS_SENTINEL_PASSWORD: 'c' })).toEqual([
      'REDIS_SENTINEL_PASSWORD: only used with REDIS_SENTINELS, which is not set',
      'REDIS_PASSWORD: REDIS_URL holds a password already; give it in one place',
    ]);
  });

  it('documents every variable in docs/configuration.md', () => {
    const documented = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    const names = [...documented.matchAll(/^\|\s*`([A-Z_]+)`\s*\|/gm)].map((m) => m[1]);
    expect(names.sort()).toEqual(Object.keys(ENV_SCHEMA).sort());
  });
});
