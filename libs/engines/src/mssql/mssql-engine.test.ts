import { createServer } from 'node:net';
import type { SandboxTarget } from '@sqlfleet/contracts';
import { describe, expect, it } from 'vitest';
import { MssqlEngine } from './index.ts';

/** A loopback port nothing listens on: what a worker sees when the sandbox's server is gone. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const target = (port: number): SandboxTarget => ({
  engine: 'mssql',
  host: '127.0.0.1',
  port,
  database: 't_unreachable',
  user: 't_unreachable',
  password: 'x',
});

describe('MssqlEngine without a server to reach', () => {
  it('refuses a script with SANDBOX_FAILED instead of crashing, and tries again on the next call', async () => {
    const engine = new MssqlEngine({ connectTimeoutMs: 2_000 });
    const t = target(await closedPort());
    const limits = { timeoutMs: 1_000, maxRows: 10, maxBytes: 1_000 };
    await expect(engine.execute(t, 'SELECT 1', limits)).rejects.toMatchObject({
      code: 'SANDBOX_FAILED',
      retryable: true,
    });
    await expect(engine.ping(t)).rejects.toMatchObject({ code: 'SANDBOX_FAILED' });
    await engine.release(t);
    await Promise.all([engine.close(), engine.close()]);
  });
});
