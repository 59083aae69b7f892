import type { Socket } from 'node:net';

/** The error a connection ends with when the server sends a message past the limit. */
export const MESSAGE_TOO_LARGE = 'SQLFLEET_MESSAGE_TOO_LARGE';

/**
 * Watches the PostgreSQL protocol's message headers (a type byte, then a 4-byte length that counts itself)
 * as the socket receives them, and destroys the socket, with an error of code MESSAGE_TOO_LARGE, as soon as
 * a header announces a message longer than `maxBytes`: before its body is buffered or parsed.
 */
export function refuseHugeMessages(socket: Socket, maxBytes: number): void {
  /** Body bytes of the current message still to come. */
  let skip = 0;
  /** The part of the next header received so far. */
  let header = Buffer.alloc(0);
  socket.prependListener('data', (chunk: Buffer) => {
    let at = 0;
    while (at < chunk.length) {
      if (skip > 0) {
        const step = Math.min(skip, chunk.length - at);
        skip -= step;
        at += step;
        continue;
      }
      let length: number;
      if (header.length === 0 && chunk.length - at >= 5) {
        // The common case, a whole header in the chunk: read in place.
        length = chunk.readUInt32BE(at + 1);
        at += 5;
      } else {
        const need = 5 - header.length;
        header = Buffer.concat([header, chunk.subarray(at, at + need)]);
        at += Math.min(need, chunk.length - at);
        if (header.length < 5) break;
        length = header.readUInt32BE(1);
        header = Buffer.alloc(0);
      }
      if (length > maxBytes) {
        const error = Object.assign(
          new Error(`the server sent a message of ${length} bytes, more than the ${maxBytes} a connection takes`),
          { code: MESSAGE_TOO_LARGE },
        );
        socket.destroy(error);
        return;
      }
      skip = length - 4;
    }
  });
}
