import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/**
 * Makes an HTTP/1.1 response that goes out before its request body was read (a refused call, a
 * message or a declared Content-Length over the limit) the last on its connection, or Node would
 * read the rest of a body of any declared size to find the next request; and without losing it.
 * It is sent with `Connection: close`; Node then ends the socket with destroySoon(): FIN, and
 * destroy once written, and destroying a socket with unread data makes the kernel send a reset
 * that can take the response with it before the client reads it. So the close lingers instead:
 * FIN after the response, then what the client still sends is read and dropped, up to `maxBytes`
 * or `lingerMs`, until it closes. Nothing of it is kept. (Used by @acme/httpgrpc's forwarder for
 * its 413 and by @acme/platform for a refused HTTP/1.1 call.)
 */
export function closeAfterUnreadBody(
  req: IncomingMessage,
  res: ServerResponse,
  maxBytes: number,
  lingerMs = 2_000,
): void {
  if (!res.headersSent) res.setHeader("Connection", "close");
  const socket = req.socket;
  socket.destroySoon = () => linger(socket, maxBytes, lingerMs);
}

function linger(socket: Socket, maxBytes: number, lingerMs: number): void {
  if (socket.destroyed) return;
  let dropped = 0;
  // A 'data' listener takes the socket back from Node's HTTP parser.
  socket.on("data", (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > maxBytes) socket.destroy();
  });
  socket.end();
  socket.resume();
  readAgain(socket);
  const t = setTimeout(() => socket.destroy(), lingerMs);
  t.unref();
  socket.once("close", () => clearTimeout(t));
}

/**
 * Starts reading a socket again that Node's HTTP parser paused and then let go of. The parser reads
 * the socket's handle itself and stops it when a request's unread body fills its buffer, behind
 * the stream's back: the stream still counts a read in flight, so resume() alone never restarts
 * the handle, the peer's FIN is never seen and the linger timer ends in a reset. This does what
 * Node's own onSocketResume does for a socket the parser still holds.
 */
function readAgain(socket: Socket): void {
  const handle = (socket as unknown as { _handle?: { reading?: boolean; readStart?: () => number } })._handle;
  if (!handle || handle.reading || typeof handle.readStart !== "function") return;
  handle.reading = true;
  handle.readStart();
}
