import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Closes an HTTP/1.1 connection whose response went out before the request body was read (a
 * 413 for a declared Content-Length over the limit), without losing that response. Closing a
 * socket that still has unread data makes the kernel send a reset, which can destroy the
 * response before the client reads it; so our side is shut first (FIN after the response), and
 * what the client still sends is read and dropped, up to `maxBytes` or `lingerMs`, until it
 * closes. Nothing of it is kept. (Node, told `Connection: close`, would destroy at once.)
 */
export function closeAfterUnreadBody(req: IncomingMessage, res: ServerResponse, maxBytes: number, lingerMs = 2_000): void {
  res.once("finish", () => {
    if (req.complete) return;
    const socket = req.socket;
    if (socket.destroyed) return;
    let dropped = 0;
    socket.on("data", (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > maxBytes) socket.destroy();
    });
    socket.end();
    socket.resume();
    const t = setTimeout(() => socket.destroy(), lingerMs);
    t.unref();
    socket.once("close", () => clearTimeout(t));
  });
}
