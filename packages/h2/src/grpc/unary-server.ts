/**
 * A minimal gRPC server for unary and server-streaming methods on our own HTTP/2 connection
 * (h2/), used by createHTTPServer. It speaks the gRPC wire protocol as grpc-go does: error
 * trailers carry grpc-status (any integer, e.g. 500), a percent-encoded grpc-message and
 * grpc-status-details-bin (an unpadded-base64 google.rpc.Status whose code equals grpc-status).
 */
import type * as net from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { encodeStatus } from "./status.js";
import { Cancellation } from "./cancellation.js";
import { wellFormed } from "./utf8.js";
import { SingleMessageReader } from "./framing.js";
import { encodeBinaryHeader, encodeGrpcMessage, fieldValue, parseGrpcTimeout } from "./headers.js";
import type { H2Limits } from "../http2/limits.js";
import { H2ServerConnection } from "../http2/server-connection.js";
import type { H2Stream, HeaderField, StreamHandler } from "../http2/connection.js";
import { ErrorCode } from "../http2/frames.js";
import { MAX_FRAME_SIZE, SESSION_WINDOW, STREAM_WINDOW } from "./unary-client.js";

export interface UnaryCall {
  /** Cancelled when the caller goes away or the deadline passes. */
  cancellation: Cancellation;
  /** Milliseconds left when the call arrived (grpc-timeout), if any. */
  timeoutMs?: number;
  /** The request's HTTP/2 header fields (lowercase names, in order; pseudo headers included). */
  headers: readonly HeaderField[];
}

/** Request message in, response message out, already framed (5-byte gRPC prefix included), in one or more pieces. */
export type UnaryImpl = (request: Uint8Array, call: UnaryCall) => Promise<Uint8Array | readonly Uint8Array[]>;

/**
 * Request message in, response messages out, each framed as UnaryImpl's. The next message is
 * pulled only once the last one went through flow control, so a client that does not read holds
 * one message of its stream, not a queue. The iterable must end when `call.cancellation` fires:
 * its return() is called only when it is suspended at a yield.
 */
export type ServerStreamImpl = (
  request: Uint8Array,
  call: UnaryCall,
) => AsyncIterable<Uint8Array | readonly Uint8Array[]>;

/** One method of a gRPC server: its kind and implementation. */
export type GrpcMethod = { kind: "unary"; impl: UnaryImpl } | { kind: "server_streaming"; impl: ServerStreamImpl };

/** The trailers of a failed call, with a google.rpc.Status mirroring grpc-status when there are details. */
/** Longest status message sent, in UTF-16 code units. */
export const MAX_STATUS_MESSAGE = 4096;

export function errorTrailers(err: unknown): HeaderField[] {
  const ce = ConnectError.from(err);
  // An httpgrpc error's message is its whole body (as upstream), which the details carry anyway;
  // percent-encoded twice over (grpc-message and Status.message) a large binary body would grow
  // ninefold past every peer's header list limit (grpc-go: 16 MiB). So the message is cut.
  const raw = ce.rawMessage;
  const message = wellFormed(
    raw.length > MAX_STATUS_MESSAGE ? `${raw.slice(0, MAX_STATUS_MESSAGE)}… (${raw.length} characters, cut)` : raw,
  );
  const out: HeaderField[] = [
    ["grpc-status", String(ce.code)],
    ["grpc-message", encodeGrpcMessage(message)],
  ];
  if (ce.details.length > 0) {
    const details = ce.details.flatMap((d) =>
      "desc" in d ? [] : [{ typeUrl: `type.googleapis.com/${d.type}`, value: d.value }],
    );
    out.push(["grpc-status-details-bin", encodeBinaryHeader(encodeStatus({ code: ce.code, message, details }))]);
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

export interface GrpcServerOptions {
  /** The methods served, by path ("/package.Service/Method"); any other path gets UNIMPLEMENTED. */
  methods: ReadonlyMap<string, GrpcMethod>;
  /** Maximum size of a request message, for every method. */
  maxMessageBytes: number;
}

export interface UnaryServerLimits {
  /** The largest request header list accepted. */
  maxHeaderListBytes: number;
  /** HTTP/2 limits per connection (streams, floods, buffers, timeouts); see H2Limits for the defaults. */
  limits?: Partial<H2Limits>;
}

const OK_HEADERS: readonly HeaderField[] = [
  [":status", "200"],
  ["content-type", "application/grpc"],
];
const OK_TRAILERS: readonly HeaderField[] = [["grpc-status", "0"]];
const OK_TRAILERS_ONLY: readonly HeaderField[] = [...OK_HEADERS, ...OK_TRAILERS];

const asBuffer = (p: Uint8Array) => Buffer.from(p.buffer, p.byteOffset, p.byteLength);

/** One call on the server: reads the request message, runs the method, answers. */
class ServerCall implements StreamHandler {
  readonly cancellation = new Cancellation();
  private readonly reader: SingleMessageReader;
  private timer: NodeJS.Timeout | undefined;
  private responded = false;
  private failed = false;
  /** The peer reset the stream: nothing more is written on it. */
  private gone = false;
  /** A streaming call waiting for its last message to go through flow control. */
  private sent: (() => void) | undefined;

  constructor(
    private readonly conn: H2ServerConnection,
    private readonly stream: H2Stream,
    private readonly headers: readonly HeaderField[],
    private readonly method: GrpcMethod | undefined,
    maxMessageBytes: number,
    private readonly timeoutMs: number | undefined,
  ) {
    this.reader = new SingleMessageReader(maxMessageBytes, "request message");
    if (timeoutMs !== undefined) {
      this.timer = setTimeout(
        () => this.cancellation.cancel(new ConnectError("deadline exceeded", Code.DeadlineExceeded)),
        timeoutMs,
      );
    }
  }

  onHeaders(_fields: HeaderField[], endStream: boolean): void {
    // Request trailers carry nothing gRPC uses.
    if (endStream) this.onEnd();
  }

  onData(data: Buffer, endStream: boolean): void {
    // The request is consumed once it is handed to the method (run()).
    const err = this.failed ? undefined : this.reader.takeData(data, endStream, this.conn, this.stream);
    if (err !== undefined) {
      this.failed = true;
      this.trailersOnly(err);
    } else if (endStream) this.onEnd();
  }

  onReset(): void {
    this.gone = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.responded) this.cancellation.cancel(new ConnectError("the caller went away", Code.Canceled));
  }

  onSent(): void {
    const sent = this.sent;
    this.sent = undefined;
    sent?.();
  }

  onEnd(): void {
    if (this.failed) return;
    this.failed = true; // the message is complete: later frames change nothing
    // The method runs after the rest of this socket read is processed, so that a request reset
    // in the same read (rapid reset, CVE-2023-44487) never reaches it.
    queueMicrotask(() => this.run());
  }

  private run(): void {
    if (this.cancellation.cancelled || this.conn.closed) return;
    let msg: Uint8Array;
    try {
      msg = this.reader.finish();
    } catch (err) {
      this.trailersOnly(err);
      return;
    }
    // Handed to the method: the bytes are consumed, the connection window reopens by them.
    this.conn.consume(this.stream, this.reader.received);
    const call: UnaryCall = { cancellation: this.cancellation, timeoutMs: this.timeoutMs, headers: this.headers };
    const m = this.method!;
    if (m.kind === "server_streaming") {
      this.runStream(m.impl, msg, call).catch((err) => this.trailersOnly(err));
      return;
    }
    m.impl(msg, call).then(
      (out) => {
        if (this.cancellation.cancelled) return this.trailersOnly(this.cancellation.reason);
        this.done();
        if (this.conn.closed) return;
        this.conn.sendHeaders(this.stream, OK_HEADERS, false);
        const pieces = out instanceof Uint8Array ? [out] : out;
        this.conn.sendData(this.stream, pieces.map(asBuffer), true, OK_TRAILERS);
      },
      (err) => this.trailersOnly(this.cancellation.cancelled ? this.cancellation.reason : err),
    );
  }

  /**
   * A server-streaming call: each message goes out once the one before it went through flow
   * control (or the call ends), then the trailers. It ends on the iterable's end or error, the
   * deadline, the peer's RST_STREAM and the connection's end.
   */
  private async runStream(impl: ServerStreamImpl, request: Uint8Array, call: UnaryCall): Promise<void> {
    let messages: AsyncIterator<Uint8Array | readonly Uint8Array[]>;
    try {
      messages = impl(request, call)[Symbol.asyncIterator]();
    } catch (err) {
      return this.trailersOnly(err);
    }
    const stopWaiting = this.cancellation.onCancel(() => this.onSent());
    let headersSent = false;
    let finished = false;
    let error: unknown;
    try {
      while (!this.cancellation.cancelled) {
        const next = await messages.next();
        if (next.done) {
          finished = true;
          break;
        }
        if (this.cancellation.cancelled) break;
        if (!headersSent) this.conn.sendHeaders(this.stream, OK_HEADERS, false);
        headersSent = true;
        const pieces = next.value instanceof Uint8Array ? [next.value] : next.value;
        this.conn.sendData(this.stream, pieces.map(asBuffer), false);
        // Held by flow control or a backed-up socket: wait for onSent (or the call's end).
        if (this.stream.out !== undefined && !this.cancellation.cancelled)
          await new Promise<void>((resolve) => (this.sent = resolve));
      }
    } catch (err) {
      finished = true; // an iterator that threw is done
      error = err;
    } finally {
      stopWaiting();
      // Stopped early (cancelled while suspended at a yield): let the iterable clean up.
      if (!finished) messages.return?.().catch(() => {});
    }
    if (this.cancellation.cancelled) error = this.cancellation.reason;
    this.done();
    if (this.gone || this.conn.closed || this.stream.localEnded) return;
    // A message still waits for window: trailers cannot overtake it, so the stream is reset.
    if (this.stream.out !== undefined) return this.conn.reset(this.stream, ErrorCode.CANCEL);
    if (!headersSent) {
      if (error === undefined) this.conn.sendHeaders(this.stream, OK_TRAILERS_ONLY, true);
      else this.trailersOnly(error);
      return;
    }
    this.conn.sendHeaders(this.stream, error === undefined ? OK_TRAILERS : errorTrailers(error), true);
  }

  private done(): void {
    this.responded = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** A trailers-only response (HEADERS with END_STREAM) carrying the error's status. */
  trailersOnly(err: unknown): void {
    this.done();
    if (this.gone || this.conn.closed || this.stream.localEnded) return;
    this.conn.sendHeaders(this.stream, [...OK_HEADERS, ...errorTrailers(err)], true);
    // The request may still be arriving: stop it (grpc-go does the same with RST_STREAM NO_ERROR).
    if (!this.stream.remoteEnded) this.conn.reset(this.stream, ErrorCode.NO_ERROR);
  }
}

/** Serves one unary method on every connection the server accepts. Returns the open connections. */
export function attachUnaryHandler(
  server: net.Server,
  o: UnaryServerOptions & UnaryServerLimits,
): Set<H2ServerConnection> {
  return attachGrpcServer(server, { ...o, methods: new Map([[o.path, { kind: "unary", impl: o.impl }]]) });
}

/** Serves unary and server-streaming methods on every connection the server accepts. Returns the open connections. */
export function attachGrpcServer(
  server: net.Server,
  o: GrpcServerOptions & UnaryServerLimits,
): Set<H2ServerConnection> {
  const connections = new Set<H2ServerConnection>();
  server.on("connection", (socket: net.Socket) => {
    // Headers, message and trailers are small writes: without TCP_NODELAY, Nagle's algorithm
    // and delayed ACKs add tens of milliseconds to a call.
    socket.setNoDelay(true);
    const conn = new H2ServerConnection(
      socket,
      {
        streamWindow: STREAM_WINDOW,
        // Room for two messages at the limit beside the stream window, so large requests never
        // wait on each other.
        connectionWindow: Math.max(SESSION_WINDOW, 2 * o.maxMessageBytes + STREAM_WINDOW),
        maxFrameSize: MAX_FRAME_SIZE,
        maxHeaderListBytes: o.maxHeaderListBytes,
        limits: o.limits,
      },
      (s, headers, endStream) => startCall(conn, s, headers, endStream, o),
    );
    connections.add(conn);
    conn.onClose = () => connections.delete(conn);
  });
  return connections;
}

function startCall(
  conn: H2ServerConnection,
  s: H2Stream,
  headers: HeaderField[],
  endStream: boolean,
  o: GrpcServerOptions,
): void {
  const refuse = (status: string) => {
    conn.sendHeaders(s, [[":status", status]], true);
    if (!endStream) conn.reset(s, ErrorCode.NO_ERROR);
  };
  if (fieldValue(headers, ":method") !== "POST") {
    refuse("405");
    return;
  }
  const ct = fieldValue(headers, "content-type") ?? "";
  if (ct !== "application/grpc" && ct !== "application/grpc+proto") {
    refuse("415");
    return;
  }
  const rawTimeout = fieldValue(headers, "grpc-timeout");
  const timeoutMs = parseGrpcTimeout(rawTimeout);
  const path = fieldValue(headers, ":path");
  const method = path === undefined ? undefined : o.methods.get(path);
  const call = new ServerCall(conn, s, headers, method, o.maxMessageBytes, timeoutMs);
  s.handler = call;
  // As grpc-go: a grpc-timeout that is not 1-8 digits and a unit is refused, not ignored.
  if (rawTimeout !== undefined && timeoutMs === undefined) {
    call.trailersOnly(
      new ConnectError(`malformed grpc-timeout ${JSON.stringify(rawTimeout.slice(0, 32))}`, Code.Internal),
    );
    return;
  }
  if (!method) {
    call.trailersOnly(new ConnectError(`unknown method ${String(path)}`, Code.Unimplemented));
    return;
  }
  if (endStream) call.onEnd();
}
