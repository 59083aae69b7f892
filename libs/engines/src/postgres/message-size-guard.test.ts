import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MESSAGE_TOO_LARGE, refuseHugeMessages } from './message-size-guard.ts';

/** A protocol message: type byte, length (counting itself), body. */
const message = (type: string, body: number, announced = body + 4) => {
  const bytes = Buffer.alloc(5 + body, 0x61);
  bytes.write(type, 0);
  bytes.writeUInt32BE(announced, 1);
  return bytes;
};

function guarded(max: number) {
  const socket = new Socket();
  const errors: NodeJS.ErrnoException[] = [];
  socket.on('error', (err) => errors.push(err));
  refuseHugeMessages(socket, max);
  const feed = (...chunks: Buffer[]) => {
    for (const chunk of chunks) socket.emit('data', chunk);
  };
  return { socket, errors, feed };
}

describe('refuseHugeMessages', () => {
  it('lets messages up to the limit through, however the chunks cut them', () => {
    const { socket, feed } = guarded(104);
    const all = Buffer.concat([message('T', 20), message('D', 100), message('C', 10), message('Z', 1)]);
    // Every cut: headers and bodies split across chunks.
    for (let cut = 1; cut < all.length; cut += 7) feed(all.subarray(0, cut), all.subarray(cut));
    expect(socket.destroyed).toBe(false);
  });

  it('ends the connection at a header announcing more, even split across chunks, before its body', async () => {
    const { socket, errors, feed } = guarded(104);
    const huge = message('D', 0, 1_000_000);
    feed(message('T', 20), huge.subarray(0, 3));
    expect(socket.destroyed).toBe(false);
    feed(huge.subarray(3));
    expect(socket.destroyed).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors[0]?.code).toBe(MESSAGE_TOO_LARGE);
  });
});
