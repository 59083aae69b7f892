import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { serveMetrics } from './metrics-server.ts';

const source = { contentType: 'text/plain; version=0.0.4', metrics: async () => 'sqlfleet_up 1\n' };
const open: Server[] = [];
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

afterEach(async () => {
  await Promise.all(open.splice(0).map(close));
});

describe('serveMetrics', () => {
  it('serves the registry at /metrics once it resolves, and nothing else', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    await close(taken);

    const server = await serveMetrics(source, port, '127.0.0.1');
    if (server) open.push(server);
    const scrape = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toBe(source.contentType);
    expect(await scrape.text()).toBe('sqlfleet_up 1\n');
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  });

  it('rejects with the address and the reason when the port is taken, instead of crashing later', async () => {
    const holder = createServer();
    open.push(holder);
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;

    await expect(serveMetrics(source, port, '127.0.0.1')).rejects.toThrow(
      `cannot serve metrics on 127.0.0.1:${port}: EADDRINUSE`,
    );
  });

  it('serves nothing on port 0', async () => {
    await expect(serveMetrics(source, 0, '127.0.0.1')).resolves.toBeUndefined();
  });
});
