import type * as http2 from "node:http2";
import type * as net from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Compression } from "@connectrpc/connect/protocol";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";

/** gRPC's own default for a received message, compressed or not, and after decompression. */
export const DEFAULT_READ_MAX_BYTES = 4 * 1024 * 1024;
export const DEFAULT_DECOMPRESSED_MAX_BYTES = 4 * 1024 * 1024;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
export const DEFAULT_MAX_CONCURRENT_STREAMS = 100;

/**
 * gzip and brotli whose inflating stops at `maxBytes` of output (zlib's
 * maxOutputLength), whatever the message's compressed size: a 1 MB bomb
 * costs at most `maxBytes`, never the gigabytes it would expand to.
 */
export function boundedCompressions(maxBytes: number): Compression[] {
  return [compressionGzip, compressionBrotli].map((c) => ({
    name: c.name,
    compress: (bytes) => c.compress(bytes),
    decompress: (bytes) =>
      c.decompress(bytes, maxBytes).catch((err: unknown) => {
        const e = ConnectError.from(err);
        if (e.code !== Code.ResourceExhausted) throw e;
        throw new ConnectError(
          `message is larger than ${maxBytes} bytes (decompressedMaxBytes) after ${c.name} decompression`,
          Code.ResourceExhausted,
        );
      }),
  }));
}

/** Set on each accepted socket to itself, so that the HTTP/2 session built on it can still cut it. */
export const RAW_SOCKET = Symbol("acme.platform.rawSocket");

/** Tags a socket for closeWhenIdle. */
export function tagRawSocket(socket: net.Socket): void {
  (socket as unknown as Record<symbol, net.Socket>)[RAW_SOCKET] = socket;
}

/**
 * Closes an HTTP/2 session that sits without streams: `handshakeTimeoutMs`
 * until the peer's first SETTINGS, then `idleTimeoutMs` whenever no stream is
 * open. Closing sends GOAWAY (NO_ERROR), so a client knows to reconnect; a
 * peer that does not let it be written is cut after as long again. A session
 * with streams open is never cut by this (a health Watch may be silent for
 * hours).
 */
export function closeWhenIdle(session: http2.Http2Session, handshakeTimeoutMs: number, idleTimeoutMs: number): void {
  // Node hands out a proxy that refuses destroy(); the listener tagged the socket with itself.
  const raw = (session.socket as unknown as Record<symbol, net.Socket | undefined> | undefined)?.[RAW_SOCKET];
  let open = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (session.closed || session.destroyed) return;
      session.close();
      // close() waits for its GOAWAY to be written, which a peer that never finished its
      // handshake, or never reads, can put off for ever: give it as long again, then cut.
      timer = setTimeout(() => {
        session.destroy();
        // Node then waits for the peer's FIN, which a peer that never reads never sends.
        raw?.destroy();
      }, ms);
      timer.unref();
    }, ms);
    timer.unref();
  };
  arm(handshakeTimeoutMs);
  session.once("remoteSettings", () => {
    if (open === 0) arm(idleTimeoutMs);
  });
  session.on("stream", (stream: http2.ServerHttp2Stream) => {
    open++;
    clearTimeout(timer);
    stream.once("close", () => {
      if (--open === 0) arm(idleTimeoutMs);
    });
  });
  session.once("close", () => clearTimeout(timer));
}
