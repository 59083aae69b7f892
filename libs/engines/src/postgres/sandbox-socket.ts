import { Socket } from 'node:net';
import { coalesceWrites } from '@sqlfleet/core';
import { refuseHugeMessages } from './message-size-guard.ts';

/**
 * The biggest message a sandbox connection may receive. A row (DataRow) bigger than any result the fleet
 * returns (MAX_RESULT_BYTES_CEILING, 32 MiB by default) is left out of results anyway; past V8's longest
 * string (~512 MB) pg's parser throws inside the socket's data handler and the process dies with every
 * query it runs (`SELECT repeat('x', 600000000)`), after buffering it all.
 */
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

/**
 * node-postgres' socket for sandbox connections (its `stream` option): each round trip's messages leave as one
 * write, and a message past MAX_MESSAGE_BYTES ends the connection before it is read.
 */
export function sandboxSocket(): Socket {
  const socket = new Socket();
  socket.once('connect', () => coalesceWrites(socket));
  refuseHugeMessages(socket, MAX_MESSAGE_BYTES);
  return socket;
}
