/**
 * A minimal gRPC unary client on our own HTTP/2 connection (h2/): one persistent connection per
 * endpoint (reopened on demand after it fails), TCP_NODELAY, grpc-timeout deadlines,
 * cancellation by RST_STREAM CANCEL, and any integer status (e.g. 503) with its
 * grpc-status-details-bin. Errors are ConnectErrors; transport failures carry `sent` to tell the
 * balancer whether the call could have reached the server.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { decodeStatus } from "./status.js";
import type { Cancellation } from "./cancellation.js";
import { SingleMessageReader } from "./framing.js";
import { receiveBlocks } from "./block-pool.js";
import {
  decodeBinaryHeader,
  decodeGrpcMessage,
  fieldValue,
  formatGrpcTimeout,
  MAX_TIMEOUT_MS,
  recordFromFields,
} from "./headers.js";
import type { H2Limits } from "../http2/limits.js";
import { H2ClientConnection } from "../http2/client-connection.js";
import { StreamError, type H2Stream, type HeaderField, type StreamHandler } from "../http2/connection.js";
import { ErrorCode } from "../http2/frames.js";
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from "../node/listen.js";

/** Flow-control windows: per stream, and per connection (shared by concurrent calls). */
export const STREAM_WINDOW = 8 * 1024 * 1024;
export const SESSION_WINDOW = 64 * 1024 * 1024;
/** Our SETTINGS_MAX_FRAME_SIZE: large messages arrive in few frames. */
export const MAX_FRAME_SIZE = 1 << 20;

/**
 * A response message in the pieces it was received in, held in pooled blocks: release() gives
 * them back, once nothing refers to the pieces any more (they were written out). A caller that
 * keeps them never calls it.
 */
export interface ReceivedPieces {
  pieces: Buffer[];
  release(): void;
}

/** A transport failure: no gRPC status was received. */
export class TransportError extends Error {
  override name = "TransportError";
  constructor(
    message: string,
    /** Whether the request may have reached the server. */
    readonly sent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface UnaryCallOptions {
  signal?: AbortSignal;
  /**
   * As `signal`, with plain callbacks: an AbortController and its listener per call were a
   * measurable part of the httpgrpc forwarder's CPU (bench/httpgrpc.ts).
   */
  cancellation?: Cancellation;
  timeoutMs?: number;
  metadata?: Record<string, string>;
}

export interface EndpointOptions {
  maxResponseBytes: number;
  /** The largest response header list (trailers carry an error's whole HTTPResponse). */
  maxHeaderListBytes: number;
  /** TCP keep-alive probe delay on idle connections, in ms. */
  keepAliveMs: number;
  /** HTTP/2 limits per connection (floods, buffers, timeouts); see H2Limits for the defaults. */
  limits?: Partial<H2Limits>;
}

// HTTP status → gRPC code when a response is not gRPC at all (PROTOCOL-HTTP2.md).
function codeForHttpStatus(s: number): Code {
  if (s === 400) return Code.Internal;
  if (s === 401) return Code.Unauthenticated;
  if (s === 403) return Code.PermissionDenied;
  if (s === 404) return Code.Unimplemented;
  if (s === 429 || s === 502 || s === 503 || s === 504) return Code.Unavailable;
  return Code.Unknown;
}

/** One unary call in flight: the stream's handler, settling one promise. */
class UnaryCall implements StreamHandler {
  stream: H2Stream | undefined;
  private settled = false;
  private status: number | undefined;
  private responseHeaders: HeaderField[] | undefined;
  private trailers: HeaderField[] | undefined;
  private readonly reader: SingleMessageReader;
  private timer: NodeJS.Timeout | undefined;
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly endpoint: GrpcEndpoint,
    private readonly conn: H2ClientConnection,
    private readonly resolve: (v: Uint8Array | ReceivedPieces) => void,
    private readonly reject: (e: unknown) => void,
    maxResponseBytes: number,
    private readonly signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    private readonly pieces: boolean,
    cancellation?: Cancellation,
  ) {
    // The connection reads into one reused buffer: the reader copies, into pooled blocks.
    this.reader = new SingleMessageReader(maxResponseBytes, "response message", receiveBlocks);
    if (signal) signal.addEventListener("abort", this.onAbort, { once: true });
    if (cancellation)
      this.stopListening = cancellation.onCancel(() =>
        this.cancel(ConnectError.from(cancellation.reason, Code.Canceled)),
      );
    if (timeoutMs !== undefined) {
      const ms = Math.min(timeoutMs, MAX_TIMEOUT_MS);
      this.timer = setTimeout(
        () => this.cancel(new ConnectError(`deadline of ${ms} ms exceeded`, Code.DeadlineExceeded)),
        ms,
      );
    }
  }

  private readonly onAbort = (): void => this.cancel(ConnectError.from(this.signal!.reason, Code.Canceled));

  private finish(err: unknown, value?: Uint8Array | ReceivedPieces): void {
    if (this.settled) return;
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    this.signal?.removeEventListener("abort", this.onAbort);
    this.stopListening?.();
    if (err) {
      // Nobody will see the message: its blocks go back now.
      this.reader.release();
      this.reject(err);
    } else this.resolve(value!);
  }

  /** Opens the stream and sends the request, unless the call already ended (cancelled while waiting). */
  start(headers: readonly HeaderField[], body: Buffer): void {
    if (this.settled) return;
    const s = this.conn.open(this, headers, false);
    this.stream = s;
    this.conn.sendData(s, body, true);
  }

  private cancel(err: unknown): void {
    this.finish(err);
    if (this.stream) this.conn.reset(this.stream, ErrorCode.CANCEL);
  }

  onHeaders(fields: HeaderField[], endStream: boolean): void {
    if (this.status === undefined) {
      this.status = Number(fieldValue(fields, ":status"));
      this.responseHeaders = fields;
      if (endStream) this.trailers = fields; // trailers-only response
    } else {
      this.trailers = fields;
    }
    if (endStream) this.complete();
  }

  onData(data: Buffer, endStream: boolean): void {
    const err = this.settled ? undefined : this.reader.takeData(data, endStream, this.conn, this.stream!);
    if (err !== undefined) this.cancel(err);
    else if (endStream) this.complete();
  }

  onReset(code: number, why: Error): void {
    if (this.settled) return;
    // A connection that never completed its handshake, or a stream the server refused: never
    // processed. A StreamError is our own reset (e.g. REFUSED_STREAM for too many buffered
    // response bytes): the server did process that call.
    const sent = this.conn.ready && (code !== ErrorCode.REFUSED_STREAM || why instanceof StreamError);
    this.finish(new TransportError(`call to ${this.endpoint.address} failed: ${why.message}`, sent, { cause: why }));
  }

  private complete(): void {
    if (this.settled) return;
    const t = this.trailers;
    const grpcStatus = t ? fieldValue(t, "grpc-status") : undefined;
    if (grpcStatus === undefined) {
      if (this.status !== 200 && this.responseHeaders) {
        const h = recordFromFields(this.responseHeaders.filter(([k]) => !k.startsWith(":")));
        this.finish(
          new ConnectError(
            `HTTP ${this.status} from ${this.endpoint.address} (not a gRPC response)`,
            codeForHttpStatus(this.status ?? 0),
            h as HeadersInit,
          ),
        );
        return;
      }
      this.finish(new ConnectError(`response from ${this.endpoint.address} without grpc-status`, Code.Internal));
      return;
    }
    const code = Number(grpcStatus);
    if (code !== 0) {
      this.finish(errorFromTrailers(code, recordFromFields(t!)));
      return;
    }
    let msg: Uint8Array | ReceivedPieces;
    try {
      if (this.pieces) {
        const reader = this.reader;
        msg = { pieces: reader.finishPieces(), release: () => reader.release() };
      } else msg = this.reader.finish();
    } catch (err) {
      this.finish(err);
      return;
    }
    // Handed to the caller: the bytes are consumed, the connection window reopens by them.
    if (this.stream) this.conn.consume(this.stream, this.reader.received);
    this.finish(undefined, msg);
  }
}

export class GrpcEndpoint {
  private conn?: H2ClientConnection;
  private closed = false;
  private readonly host: string;
  private readonly port: number;

  constructor(
    readonly address: string,
    private readonly opts: EndpointOptions,
  ) {
    const i = address.lastIndexOf(":");
    this.host = address.slice(0, i).replace(/^\[|\]$/g, "");
    this.port = Number(address.slice(i + 1));
  }

  private connection(): H2ClientConnection {
    const c = this.conn;
    if (c && !c.spent) return c;
    const conn = H2ClientConnection.connect(this.host, this.port, {
      // HTTP/2's default 64 KiB windows cost a WINDOW_UPDATE round trip per 64 KiB of a response;
      // open them to the message limit (grpc-go sizes them dynamically to the same end).
      streamWindow: STREAM_WINDOW,
      connectionWindow: Math.max(SESSION_WINDOW, 2 * this.opts.maxResponseBytes + STREAM_WINDOW),
      maxFrameSize: MAX_FRAME_SIZE,
      maxHeaderListBytes: this.opts.maxHeaderListBytes,
      limits: this.opts.limits,
      keepAliveMs: this.opts.keepAliveMs,
    });
    conn.onSpent = () => {
      if (this.conn === conn) this.conn = undefined;
    };
    this.conn = conn;
    return conn;
  }

  /** One unary call: a framed request message (5-byte gRPC prefix included) in, the response message out. */
  unary(path: string, framedRequest: Uint8Array, o: UnaryCallOptions = {}): Promise<Uint8Array> {
    return this.call(path, framedRequest, o, false) as Promise<Uint8Array>;
  }

  /**
   * As unary(), with the response message as the pieces it was received in (pooled blocks, not
   * joined): call release() once they are written out.
   */
  unaryPieces(path: string, framedRequest: Uint8Array, o: UnaryCallOptions = {}): Promise<ReceivedPieces> {
    return this.call(path, framedRequest, o, true) as Promise<ReceivedPieces>;
  }

  private call(
    path: string,
    framedRequest: Uint8Array,
    o: UnaryCallOptions,
    pieces: boolean,
  ): Promise<Uint8Array | ReceivedPieces> {
    if (this.closed) return Promise.reject(new TransportError("endpoint closed", false));
    if (o.signal?.aborted) return Promise.reject(ConnectError.from(o.signal.reason, Code.Canceled));
    if (o.cancellation?.cancelled) return Promise.reject(ConnectError.from(o.cancellation.reason, Code.Canceled));
    const headers: HeaderField[] = [
      [":method", "POST"],
      [":scheme", "http"],
      [":path", path],
      [":authority", this.address],
      ["content-type", "application/grpc"],
      ["te", "trailers"],
    ];
    if (o.timeoutMs !== undefined)
      headers.push(["grpc-timeout", formatGrpcTimeout(Math.min(o.timeoutMs, MAX_TIMEOUT_MS))]);
    if (o.metadata) for (const k in o.metadata) headers.push([k.toLowerCase(), o.metadata[k]]);
    const body = Buffer.from(framedRequest.buffer, framedRequest.byteOffset, framedRequest.byteLength);
    const conn = this.connection();
    return new Promise<Uint8Array | ReceivedPieces>((resolve, reject) => {
      const call = new UnaryCall(
        this,
        conn,
        resolve,
        reject,
        this.opts.maxResponseBytes,
        o.signal,
        o.timeoutMs,
        pieces,
        o.cancellation,
      );
      conn.whenOpen(
        () => call.start(headers, body),
        (err) => call.onReset(ErrorCode.REFUSED_STREAM, err),
      );
    });
  }

  close(): void {
    this.closed = true;
    const c = this.conn;
    this.conn = undefined;
    if (!c) return;
    c.goaway();
    // Calls still running when the shutdown timeout runs out are cut (the servers' default, too).
    setTimeout(() => c.destroy(new Error("endpoint closed")), DEFAULT_SHUTDOWN_TIMEOUT_MS).unref();
  }
}

/** A ConnectError for a non-zero grpc-status, with the google.rpc.Status details when they agree. */
export function errorFromTrailers(code: number, t: Record<string, string | string[] | undefined>): ConnectError {
  const message = decodeGrpcMessage(String(t["grpc-message"] ?? ""));
  const md = new Headers();
  for (const [k, v] of Object.entries(t)) {
    if (k.startsWith(":") || v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [String(v)]) md.append(k, x);
  }
  const err = new ConnectError(message, code as Code, md);
  const bin = t["grpc-status-details-bin"];
  if (typeof bin === "string") {
    try {
      const st = decodeStatus(decodeBinaryHeader(bin));
      // As grpc-go: a Status whose code differs from grpc-status is not trusted.
      if (st.code !== code)
        return new ConnectError(
          `grpc-status-details-bin mismatch: grpc-status=${code}, Status.code=${st.code}`,
          Code.Internal,
          md,
        );
      for (const d of st.details)
        err.details.push({ type: d.typeUrl.slice(d.typeUrl.lastIndexOf("/") + 1), value: d.value });
    } catch {
      return new ConnectError("malformed grpc-status-details-bin", Code.Internal, md);
    }
  }
  return err;
}
