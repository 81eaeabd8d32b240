/**
 * A minimal gRPC unary client on node:http2: one persistent HTTP/2 session per endpoint
 * (reopened on demand after it fails), TCP_NODELAY, grpc-timeout deadlines, cancellation by
 * RST_STREAM CANCEL, and any integer status (e.g. 503) with its grpc-status-details-bin.
 * Errors are ConnectErrors; transport failures carry `sent` to tell the balancer whether the
 * call could have reached the server.
 */
import * as http2 from "node:http2";
import * as net from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { decodeStatus } from "../status.js";
import { SingleMessageReader } from "./framing.js";
import { decodeBinaryHeader, decodeGrpcMessage, formatGrpcTimeout } from "./grpc-headers.js";

const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM } = http2.constants;

/** Flow-control windows: per stream, and per connection (shared by concurrent calls). */
export const STREAM_WINDOW = 8 * 1024 * 1024;
export const SESSION_WINDOW = 64 * 1024 * 1024;

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
  timeoutMs?: number;
  metadata?: Record<string, string>;
}

export interface EndpointOptions {
  maxResponseBytes: number;
  /** nghttp2's per-session memory cap, in MB. */
  maxSessionMemory: number;
  /** TCP keep-alive probe delay on idle connections, in ms. */
  keepAliveMs: number;
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

export class GrpcEndpoint {
  private session?: http2.ClientHttp2Session;
  private closed = false;
  // Sessions that completed the HTTP/2 handshake, and the error that ended a session.
  private readonly connected = new WeakSet<http2.ClientHttp2Session>();
  private readonly sessionErrors = new WeakMap<http2.ClientHttp2Session, Error>();
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

  private getSession(): http2.ClientHttp2Session {
    const s = this.session;
    if (s && !s.closed && !s.destroyed) return s;
    const session = http2.connect(`http://${this.address}`, {
      maxSessionMemory: this.opts.maxSessionMemory,
      // HTTP/2's default 64 KiB flow-control windows cost a WINDOW_UPDATE round trip per 64 KiB of a
      // response; open them to the message limit (grpc-go sizes them dynamically to the same end).
      settings: { initialWindowSize: STREAM_WINDOW, maxFrameSize: 1 << 20 },
      createConnection: () => {
        const sock = net.connect({ host: this.host, port: this.port, noDelay: true });
        sock.setKeepAlive(true, this.opts.keepAliveMs);
        return sock;
      },
    });
    session.once("connect", () => {
      this.connected.add(session);
      session.setLocalWindowSize(SESSION_WINDOW);
    });
    const drop = () => {
      if (this.session === session) this.session = undefined;
    };
    session.on("error", (err) => {
      this.sessionErrors.set(session, err);
      drop();
    });
    session.once("close", drop);
    session.once("goaway", drop);
    session.unref();
    this.session = session;
    return session;
  }

  /** One unary call: a framed request message (5-byte gRPC prefix included) in, the response message out. */
  unary(path: string, framedRequest: Uint8Array, o: UnaryCallOptions = {}): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new TransportError("endpoint closed", false));
    if (o.signal?.aborted) return Promise.reject(ConnectError.from(o.signal.reason, Code.Canceled));
    let session: http2.ClientHttp2Session;
    let stream: http2.ClientHttp2Stream;
    const headers: http2.OutgoingHttpHeaders = {
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
      ...o.metadata,
    };
    if (o.timeoutMs !== undefined) headers["grpc-timeout"] = formatGrpcTimeout(o.timeoutMs);
    try {
      session = this.getSession();
      stream = session.request(headers);
    } catch (err) {
      // The session was closing or broken: nothing was sent.
      this.session = undefined;
      return Promise.reject(new TransportError(`cannot start a call to ${this.address}: ${(err as Error).message}`, false, { cause: err }));
    }
    stream.end(framedRequest);

    return new Promise<Uint8Array>((resolve, reject) => {
      let settled = false;
      let status: number | undefined;
      let grpcStatus: string | undefined;
      let trailers: http2.IncomingHttpHeaders | undefined;
      let responseHeaders: http2.IncomingHttpHeaders | undefined;
      const reader = new SingleMessageReader(this.opts.maxResponseBytes, "response message");
      let timer: NodeJS.Timeout | undefined;

      const finish = (err: unknown, value?: Uint8Array) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        o.signal?.removeEventListener("abort", onAbort);
        if (err) reject(err);
        else resolve(value!);
      };
      const cancel = (err: unknown) => {
        finish(err);
        if (!stream.destroyed) stream.close(NGHTTP2_CANCEL);
      };
      const onAbort = () => cancel(ConnectError.from(o.signal!.reason, Code.Canceled));
      o.signal?.addEventListener("abort", onAbort, { once: true });
      if (o.timeoutMs !== undefined) {
        timer = setTimeout(() => cancel(new ConnectError(`deadline of ${o.timeoutMs} ms exceeded`, Code.DeadlineExceeded)), o.timeoutMs);
      }

      stream.on("response", (h) => {
        responseHeaders = h;
        status = Number(h[":status"]);
        if (h["grpc-status"] !== undefined) {
          trailers = h; // trailers-only response
          grpcStatus = String(h["grpc-status"]);
        }
      });
      stream.on("trailers", (t) => {
        trailers = t;
        grpcStatus = t["grpc-status"] === undefined ? undefined : String(t["grpc-status"]);
      });
      stream.on("data", (chunk: Buffer) => {
        if (settled) return;
        try {
          reader.push(chunk);
        } catch (err) {
          cancel(err);
        }
      });
      stream.on("error", () => {}); // reported through 'close' below
      stream.once("close", () => {
        if (settled) return;
        if (grpcStatus === undefined) {
          if (status !== undefined && status !== 200 && responseHeaders) {
            return finish(new ConnectError(`HTTP ${status} from ${this.address} (not a gRPC response)`, codeForHttpStatus(status), responseHeaders as HeadersInit));
          }
          // A session that never connected, or a stream the server refused: never processed.
          const sent = this.connected.has(session) && stream.rstCode !== NGHTTP2_REFUSED_STREAM;
          const cause = this.sessionErrors.get(session);
          const why = cause?.message ?? `stream closed with RST_STREAM code ${stream.rstCode ?? "?"}`;
          return finish(new TransportError(`call to ${this.address} failed: ${why}`, sent, { cause }));
        }
        const code = Number(grpcStatus);
        if (code === 0) {
          try {
            finish(undefined, reader.finish());
          } catch (err) {
            finish(err);
          }
          return;
        }
        finish(errorFromTrailers(code, trailers!));
      });
    });
  }

  close(): void {
    this.closed = true;
    const s = this.session;
    this.session = undefined;
    if (!s) return;
    s.close();
    // Calls still running after a grace period are cut.
    setTimeout(() => s.destroy(), 2000).unref();
  }
}

/** A ConnectError for a non-zero grpc-status, with the google.rpc.Status details when they agree. */
export function errorFromTrailers(code: number, t: http2.IncomingHttpHeaders): ConnectError {
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
      if (st.code !== code) return new ConnectError(`grpc-status-details-bin mismatch: grpc-status=${code}, Status.code=${st.code}`, Code.Internal, md);
      for (const d of st.details) err.details.push({ type: d.typeUrl.slice(d.typeUrl.lastIndexOf("/") + 1), value: d.value });
    } catch {
      return new ConnectError("malformed grpc-status-details-bin", Code.Internal, md);
    }
  }
  return err;
}
