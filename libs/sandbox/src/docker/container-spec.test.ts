import { describe, expect, it } from 'vitest';
import { containerSpec, ENGINE_IMAGES } from './container-spec.ts';

const limits = { memoryMb: 256, cpus: 0.5, pidsLimit: 256 };
const input = { name: 'box', image: 'img', network: 'box-net', labels: { a: 'b' }, adminPassword: 'pw', limits };

describe('containerSpec', () => {
  it('gives a PostgreSQL sandbox its caps, no capability, no privilege gain, and its password variable', () => {
    const spec = containerSpec({ ...input, contract: ENGINE_IMAGES.postgres });
    expect(spec.Env).toEqual(['SANDBOX_ADMIN_PASSWORD=pw']);
    expect(spec.HostConfig).toMatchObject({
      NetworkMode: 'box-net',
      Memory: 256 * 1024 * 1024,
      MemorySwap: 256 * 1024 * 1024,
      NanoCpus: 500_000_000,
      PidsLimit: 256,
      Privileged: false,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
    });
    expect(spec.HostConfig?.PortBindings).toBeUndefined();
  });

  it('raises a SQL Server sandbox to the 2 GiB it needs, with the official image’s variables', () => {
    const spec = containerSpec({ ...input, contract: ENGINE_IMAGES.mssql });
    expect(spec.Env).toEqual(['ACCEPT_EULA=Y', 'MSSQL_PID=Developer', 'MSSQL_SA_PASSWORD=pw']);
    expect(spec.HostConfig?.Memory).toBe(2048 * 1024 * 1024);
    expect(spec.HostConfig?.PidsLimit).toBeGreaterThanOrEqual(4096);
    expect(ENGINE_IMAGES.mssql.readyLogLine?.test('2026-11-22 SQL Server is now ready for client connections.')).toBe(
      true,
    );
  });

  it('keeps "no cap" (0) as no cap, whatever the engine’s floor', () => {
    const spec = containerSpec({
      ...input,
      contract: ENGINE_IMAGES.mssql,
      limits: { memoryMb: 0, cpus: 0, pidsLimit: 0 },
    });
    expect(spec.HostConfig?.Memory).toBeUndefined();
    expect(spec.HostConfig?.PidsLimit).toBeUndefined();
    expect(spec.HostConfig?.NanoCpus).toBeUndefined();
  });
});
