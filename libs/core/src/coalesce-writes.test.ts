import { once } from 'node:events';
import { createServer, type Server, Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { coalesceWrites } from './coalesce-writes.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.close();
  server = undefined;
});

/** A loopback server that collects what it receives, and a socket connected to it. */
async function connected(): Promise<{ socket: Socket; received: () => string }> {
  let got = '';
  server = createServer((peer) => peer.on('data', (chunk) => (got += chunk.toString())));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = new Socket();
  socket.connect((server.address() as { port: number }).port, '127.0.0.1');
  await once(socket, 'connect');
  return { socket, received: () => got };
}

const arrived = async (received: () => string, expected: string) => {
  await vi.waitFor(() => expect(received()).toBe(expected), { timeout: 2_000 });
};

describe('coalesceWrites', () => {
  it('sends what one tick wrote in one system write, in order', async () => {
    const { socket, received } = await connected();
    coalesceWrites(socket);
    const single = vi.spyOn(socket, '_write');
    const batched = vi.spyOn(socket, '_writev');
    for (const part of ['Parse;', 'Bind;', 'Describe;', 'Flush;']) socket.write(part);
    await arrived(received, 'Parse;Bind;Describe;Flush;');
    expect(batched).toHaveBeenCalledTimes(1);
    expect(single).not.toHaveBeenCalled();
    socket.destroy();
  });

  it('keeps each tick its own write, and calls each write back', async () => {
    const { socket, received } = await connected();
    coalesceWrites(socket);
    const done: string[] = [];
    socket.write('a', () => done.push('a'));
    socket.write('b', () => done.push('b'));
    await new Promise((resolve) => setImmediate(resolve));
    socket.write('c', () => done.push('c'));
    await arrived(received, 'abc');
    await vi.waitFor(() => expect(done).toEqual(['a', 'b', 'c']));
    socket.destroy();
  });
});
