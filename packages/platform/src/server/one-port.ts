import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";

import { HTTP2_PREFACE, type NodeHandler as Handler } from "@acme/h2/node-server";

/** The first bytes of every HTTP/2 connection with prior knowledge (RFC 9113 §3.4). */
export { HTTP2_PREFACE };

export interface OnePortServers {
  listener: net.Server;
  http1: http.Server;
  http2: http2.Http2Server;
}

/**
 * One cleartext port for HTTP/1.1 and HTTP/2 (h2c prior knowledge). Node's
 * http2 server alone refuses HTTP/1.1 without TLS, so the first bytes of each
 * connection decide: the HTTP/2 preface goes to the http2 server, anything
 * else to the http/1.1 server. The bytes read are put back before handing
 * the socket over.
 */
export function createOnePortServers(
  handler: Handler,
  http2Options: http2.ServerOptions = {},
  /** A connection that has not sent enough to tell HTTP/2 from HTTP/1.1 within this is closed (slowloris, silent peers). */
  handshakeTimeoutMs = 10_000,
): OnePortServers {
  const http1 = http.createServer(
    {
      // An HTTP/1.1 request head must arrive as promptly; Node checks every connectionsCheckingInterval.
      headersTimeout: Math.min(handshakeTimeoutMs, 300_000),
      connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(handshakeTimeoutMs / 2))),
    },
    handler as http.RequestListener,
  );
  const h2 = http2.createServer(
    http2Options,
    handler as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  );
  const listener = net.createServer((socket) => {
    let seen = Buffer.alloc(0);
    const handshake = setTimeout(() => socket.destroy(), handshakeTimeoutMs);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, HTTP2_PREFACE.length);
      const matches = seen.subarray(0, n).equals(HTTP2_PREFACE.subarray(0, n));
      if (matches && seen.length < HTTP2_PREFACE.length) return; // wait for the rest of the preface
      clearTimeout(handshake);
      socket.off("data", onData);
      socket.off("error", onEarlyError);
      socket.pause();
      socket.unshift(seen);
      if (matches) {
        // The http2 session reads what is buffered on the socket itself (on the next tick).
        h2.emit("connection", socket);
      } else {
        http1.emit("connection", socket);
        socket.resume();
      }
    };
    const onEarlyError = () => socket.destroy();
    socket.once("close", () => clearTimeout(handshake));
    socket.on("data", onData);
    socket.on("error", onEarlyError);
  });
  return { listener, http1, http2: h2 };
}
