import { createLogger, loadConfig } from '@sqlfleet/core';
import { describe, expect, it } from 'vitest';
import { DOCKER_HOST, docker } from './docker/test-support.ts';
import { createSandboxRuntime } from './sandbox-runtime.ts';

const logger = createLogger({ name: 'test', level: 'silent' });
const dockerUp = await docker.ping().then(
  () => true,
  () => false,
);

describe('createSandboxRuntime (server mode)', () => {
  it('offers PostgreSQL and MySQL, and SQL Server only where MSSQL_URL names a server', async () => {
    const runtime = await createSandboxRuntime({ config: loadConfig({}), logger });
    try {
      expect([...runtime.available].sort()).toEqual(['mysql', 'postgres']);
      expect(runtime.provisioners.get('postgres')?.kind).toBe('server');
    } finally {
      await runtime.close();
    }
    const withMssql = await createSandboxRuntime({
      config: loadConfig({ MSSQL_URL: 'mssql://sa:Secret-Aa1@127.0.0.1:1' }),
      logger,
    });
    try {
      expect([...withMssql.available].sort()).toEqual(['mssql', 'mysql', 'postgres']);
    } finally {
      await withMssql.close();
    }
  });
});

describe.skipIf(!dockerUp)('createSandboxRuntime (docker mode, against Podman; run scripts/podman/setup.sh)', () => {
  it('offers in containers only the engines whose image the container engine has', async () => {
    const runtime = await createSandboxRuntime({
      config: loadConfig({
        SANDBOX_PROVISIONER: 'docker',
        DOCKER_HOST,
        SANDBOX_IMAGE_POSTGRES: 'localhost/sqlfleet/no-such-image:0',
      }),
      logger,
    });
    try {
      // MariaDB's image exists here; the PostgreSQL image named does not; SQL Server's official image is never here.
      expect([...runtime.available]).toEqual(['mysql']);
      expect(runtime.provisioners.get('mysql')?.kind).toBe('docker');
      expect(await runtime.health()).toMatchObject({ containerEngine: { state: 'closed' } });
    } finally {
      await runtime.close();
    }
  });
});
