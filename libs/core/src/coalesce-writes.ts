import type { Socket } from 'node:net';

/**
 * Makes a connected socket send what one tick wrote as one write. Database and Redis clients write
 * each protocol message or command on its own, and each write is a system call: node-postgres sends a
 * statement through a cursor as nine (Parse, Bind, Describe, Flush; Execute, Flush; Close, Sync…),
 * ioredis one per command even when eight drains issue theirs together. Those calls cost the worker
 * more CPU than the rest of a warm query did; corked until the next tick, they go out as one writev.
 * Call it once connected (and again on a reconnect's new socket): Socket#connect puts the
 * prototype's write back on the instance.
 */
export function coalesceWrites(socket: Socket): void {
  const write = Object.getPrototypeOf(socket).write as Socket['write'];
  socket.write = function (this: Socket, ...args: Parameters<Socket['write']>): boolean {
    if (this.writableCorked === 0) {
      this.cork();
      process.nextTick(() => this.uncork());
    }
    return write.apply(this, args);
  } as Socket['write'];
}
