import { Socket } from 'node:net';
import { coalesceWrites } from '@sqlfleet/core';

/** node-postgres' socket (its `stream` option), sending each round trip's messages as one write. */
export function coalescingSocket(): Socket {
  const socket = new Socket();
  socket.once('connect', () => coalesceWrites(socket));
  return socket;
}
