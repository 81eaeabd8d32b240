/**
 * A minimal gRPC server for one unary method on node:http2 (no framework per call), used by
 * createHTTPServer. It speaks the gRPC wire protocol as grpc-go does: trailers-only error
 * responses carry grpc-status (any integer, e.g. 500), a percent-encoded grpc-message and
 * grpc-status-details-bin (an unpadded-base64 google.rpc.Status whose code equals grpc-status).
 */
import * as http2 from "node:http2";
import type { Socket } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { encodeStatus } from "../status.js";
import { Cancellation } from "../cancellation.js";
import { wellFormed } from "../utf8.js";
import { SingleMessageReader } from "./framing.js";
import { encodeBinaryHeader, encodeGrpcMessage, parseGrpcTimeout } from "./grpc-headers.js";
import { SESSION_WINDOW } from "./h2-client.js";

export interface UnaryCall {
  /** Cancelled when the caller goes away or the deadline passes. */
  cancellation: Cancellation;
  /** Milliseconds left when the call arrived (grpc-timeout), if any. */
  timeoutMs?: number;
  /** The request's HTTP/2 headers; see metadataFromHeaders() for the application metadata. */
  headers: http2.IncomingHttpHeaders;
}

/** Request message in, response message out, already framed (5-byte gRPC prefix included). */
export type UnaryImpl = (request: Uint8Array, call: UnaryCall) => Promise<Uint8Array>;

const { HTTP2_HEADER_STATUS, HTTP2_HEADER_CONTENT_TYPE, NGHTTP2_NO_ERROR } = http2.constants;

/** The trailers of a failed call, with a google.rpc.Status mirroring grpc-status when there are details. */
export function errorTrailers(err: unknown): http2.OutgoingHttpHeaders {
  const ce = ConnectError.from(err);
  const message = wellFormed(ce.rawMessage);
  const out: http2.OutgoingHttpHeaders = { "grpc-status": String(ce.code), "grpc-message": encodeGrpcMessage(message) };
  if (ce.details.length > 0) {
    const details = ce.details.flatMap((d) => ("desc" in d ? [] : [{ typeUrl: `type.googleapis.com/${d.type}`, value: d.value }]));
    out["grpc-status-details-bin"] = encodeBinaryHeader(encodeStatus({ code: ce.code, message, details }));
  }
  return out;
}

export interface UnaryServerOptions {
  /** The one method served, e.g. "/httpgrpc.HTTP/Handle". */
  path: string;
  /** Maximum size of the request message. */
  maxMessageBytes: number;
  impl: UnaryImpl;
}

export function attachUnaryHandler(server: http2.Http2Server, o: UnaryServerOptions): void {
  // Headers, message and trailers go out as separate small writes: without TCP_NODELAY, Nagle's
  // algorithm and delayed ACKs add tens of milliseconds to a call.
  server.on("connection", (s: Socket) => s.setNoDelay(true));
  // Large request messages: open the connection window too (the stream window is the server's
  // initialWindowSize setting, see createHTTPServer).
  server.on("session", (session) => {
    try {
      session.setLocalWindowSize(SESSION_WINDOW);
    } catch {
      // The session is already closing.
    }
  });
  server.on("stream", (stream, headers) => {
    stream.on("error", () => {});
    const ct = headers[HTTP2_HEADER_CONTENT_TYPE] ?? "";
    if (headers[":method"] !== "POST") return void stream.respond({ [HTTP2_HEADER_STATUS]: 405 }, { endStream: true });
    if (ct !== "application/grpc" && ct !== "application/grpc+proto") {
      return void stream.respond({ [HTTP2_HEADER_STATUS]: 415 }, { endStream: true });
    }
    const trailersOnly = (err: unknown) => {
      if (stream.destroyed || stream.headersSent) return;
      stream.respond({ [HTTP2_HEADER_STATUS]: 200, [HTTP2_HEADER_CONTENT_TYPE]: "application/grpc", ...errorTrailers(err) }, { endStream: true });
      // The request may still be arriving: stop it (grpc-go does the same with RST_STREAM NO_ERROR).
      if (!stream.readableEnded) stream.close(NGHTTP2_NO_ERROR);
    };
    if (headers[":path"] !== o.path) {
      stream.resume();
      return trailersOnly(new ConnectError(`unknown method ${String(headers[":path"])}`, Code.Unimplemented));
    }
    const cancellation = new Cancellation();
    const timeoutMs = parseGrpcTimeout(headers["grpc-timeout"] as string | undefined);
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => cancellation.cancel(new ConnectError("deadline exceeded", Code.DeadlineExceeded)), timeoutMs);
    }
    let responded = false;
    stream.once("close", () => {
      if (timer) clearTimeout(timer);
      if (!responded) cancellation.cancel(new ConnectError("the caller went away", Code.Canceled));
    });
    const reader = new SingleMessageReader(o.maxMessageBytes, "request message");
    let failed = false;
    stream.on("data", (chunk: Buffer) => {
      if (failed) return;
      try {
        reader.push(chunk);
      } catch (err) {
        failed = true;
        responded = true;
        trailersOnly(err);
      }
    });
    stream.once("end", () => {
      if (failed) return;
      let msg: Uint8Array;
      try {
        msg = reader.finish();
      } catch (err) {
        responded = true;
        return trailersOnly(err);
      }
      o.impl(msg, { cancellation, timeoutMs, headers }).then(
        (out) => {
          responded = true;
          if (timer) clearTimeout(timer);
          if (stream.destroyed) return;
          if (cancellation.cancelled) return trailersOnly(cancellation.reason);
          stream.respond({ [HTTP2_HEADER_STATUS]: 200, [HTTP2_HEADER_CONTENT_TYPE]: "application/grpc" }, { waitForTrailers: true });
          stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
          stream.end(out);
        },
        (err) => {
          responded = true;
          if (timer) clearTimeout(timer);
          trailersOnly(cancellation.cancelled ? cancellation.reason : err);
        },
      );
    });
  });
}
