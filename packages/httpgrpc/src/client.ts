/**
 * Client side: a programmatic httpgrpc client over the @acme/balancer core (persistent HTTP/2
 * connections to every resolved endpoint, round robin or least outstanding, ejection with
 * backoff, safe retries), and a forwarder: Node/Express middleware that sends each incoming
 * HTTP request over httpgrpc and writes the answer back.
 *
 * Calls go over our own HTTP/2 connection (@acme/h2's unary client), not a Connect transport: Connect's
 * client does surface non-canonical codes with their details (we checked), but each call cost
 * several times a bare HTTP/2 round trip, which the benchmark could not afford (see server.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  classifyFailure,
  createBalancer,
  deadlineSpent,
  toConnectError,
  type Balancer,
  type BalancerOptions,
} from "@acme/balancer";
import { httpResponseFromError } from "./errors.js";
import type { HTTPRequestSchema, HTTPResponse } from "./gen.js";
import { canonicalHeaderKey, hopByHopNames } from "./http-rules.js";
import { DEFAULT_MAX_BODY_BYTES, MESSAGE_OVERHEAD_BYTES } from "./limits.js";
import { Cancellation, GrpcEndpoint, type ReceivedPieces, type UnaryCallOptions } from "@acme/h2";
import type { Context } from "@opentelemetry/api";
import { closeAfterUnreadBody } from "@acme/h2/node-server";
import { forwardedParent, observeHandleCall } from "./tracing.js";
import { decodeHTTPResponse, decodeHTTPResponsePieces, encodeHTTPRequest } from "./wire/codec.js";

export { Cancellation };

const HANDLE_PATH = "/httpgrpc.HTTP/Handle";

/**
 * The header list (SETTINGS_MAX_HEADER_LIST_SIZE) our client accepts from a backend: room for a
 * dskit error whose body is at the message limit, as grpc-go sends it. Its trailers carry the
 * body twice: percent-encoded in grpc-message (up to 3 bytes per byte) and, base64 (4/3), in
 * grpc-status-details-bin as Status.message plus the HTTPResponse detail (2 bodies): at most 3 +
 * 8/3 bytes per body byte, so 6x, plus 64 KiB. 27 MB at the 4 MiB default: bounded, and a list
 * over it fails only its stream (RST_STREAM), never the connection.
 */
function errorTrailerBytes(maxMessageBytes: number): number {
  return 6 * maxMessageBytes + 64 * 1024;
}

/** HTTP methods that may be re-sent to another endpoint after a failure mid-call (RFC 9110 §9.2.2). */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

export interface HTTPClientOptions
  extends Pick<
    BalancerOptions<unknown>,
    "policy" | "resolveIntervalMs" | "ejectBackoff" | "maxAttempts" | "lookup" | "onResolveError"
  > {
  /** dns:///host:port, direct://host:port, host:port, or a static list of host:port. */
  target: string | readonly string[];
  /** Maximum request and response body size. Default 4 MiB. */
  maxBodyBytes?: number;
  /**
   * Default deadline of each call, in ms; 0 for none. Default 30_000. A call that reaches its
   * deadline counts against its endpoint, so a hung backend is ejected.
   */
  timeoutMs?: number;
  /** TCP keep-alive probe delay on idle connections, in ms. Default 15_000. */
  keepAliveMs?: number;
  /** Methods retried after a mid-call failure. Default IDEMPOTENT_METHODS. */
  idempotentMethods?: ReadonlySet<string>;
}

export interface CallOptions {
  signal?: AbortSignal;
  /**
   * As `signal`, with plain callbacks (no AbortController per call): what the forwarder uses.
   * `new Cancellation()`, then `cancel(reason)` to stop the call.
   */
  cancellation?: Cancellation;
  /** Deadline of this call, in ms (sent as grpc-timeout). */
  timeoutMs?: number;
  /** gRPC metadata, e.g. { "x-scope-orgid": "tenant-1" }. */
  headers?: Record<string, string>;
}

/** A response whose body is in pieces; see HTTPClient.roundTripPieces(). */
export interface PiecesResponse {
  resp: HTTPResponse;
  body: Uint8Array[];
  release?: () => void;
}

export interface HTTPClient {
  /**
   * Sends one request. Resolves with the response for a normal reply; an httpgrpc error (a 5xx,
   * or a 4xx from a server returning 4xx errors) rejects with a ConnectError whose code is the
   * HTTP status; use httpResponseFromError() on it, or call roundTrip() instead.
   */
  handle(req: MessageInitShape<typeof HTTPRequestSchema>, opts?: CallOptions): Promise<HTTPResponse>;
  /** As handle(), but an httpgrpc error resolves with the response it carries. Transport failures still reject. */
  roundTrip(req: MessageInitShape<typeof HTTPRequestSchema>, opts?: CallOptions): Promise<HTTPResponse>;
  /**
   * As roundTrip(), but the response body stays in the pieces it was received in, so that the
   * forwarder writes it back without another copy; `parent` is the trace context of the call
   * being forwarded. The pieces may lie in pooled blocks: `release()`, when present, gives them
   * back, and must be called only once nothing refers to them any more (they were written out).
   * Optional for other implementations of HTTPClient: createForwarder falls back to roundTrip().
   */
  roundTripPieces?(
    req: MessageInitShape<typeof HTTPRequestSchema>,
    opts?: CallOptions,
    parent?: Context,
  ): Promise<PiecesResponse>;
  readonly balancer: Balancer<GrpcEndpoint>;
  readonly maxBodyBytes: number;
  close(): Promise<void>;
}

/** The deadline of a call that sets none. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

export function createHTTPClient(options: HTTPClientOptions): HTTPClient {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const defaultTimeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const idempotent = options.idempotentMethods ?? IDEMPOTENT_METHODS;
  const balancer = createBalancer<GrpcEndpoint>({
    target: options.target,
    policy: options.policy,
    resolveIntervalMs: options.resolveIntervalMs,
    ejectBackoff: options.ejectBackoff,
    maxAttempts: options.maxAttempts,
    lookup: options.lookup,
    onResolveError: options.onResolveError,
    // @acme/h2's TransportError says whether the request left; a status the backend sent is no failure of it.
    classify: classifyFailure,
    connect: (address) =>
      new GrpcEndpoint(address, {
        maxResponseBytes: max + MESSAGE_OVERHEAD_BYTES,
        maxHeaderListBytes: errorTrailerBytes(max + MESSAGE_OVERHEAD_BYTES),
        keepAliveMs: options.keepAliveMs ?? 15_000,
      }),
    close: (c) => c.close(),
  });

  /** Encodes the request and runs one balanced call with `call` (unary or unaryPieces). */
  async function send<T>(
    init: MessageInitShape<typeof HTTPRequestSchema>,
    opts: CallOptions,
    call: (c: GrpcEndpoint, bytes: Uint8Array, o: UnaryCallOptions) => Promise<T>,
    parent?: Context,
  ): Promise<T> {
    const req = {
      method: init.method ?? "",
      url: init.url ?? "",
      headers: (init.headers ?? []).map((h) => ({ key: h.key ?? "", values: h.values ?? [] })),
      body: init.body ?? new Uint8Array(0),
    };
    if (req.body.byteLength > max) {
      throw new ConnectError(
        `request body of ${req.body.byteLength} bytes exceeds the limit of ${max} bytes`,
        Code.ResourceExhausted,
      );
    }
    const method = (req.method || "GET").toUpperCase();
    const metadata = { ...opts.headers };
    const rpc = observeHandleCall(method, metadata, req.headers, parent);
    const bytes = encodeHTTPRequest(req);
    const timeoutMs = (opts.timeoutMs ?? defaultTimeoutMs) || undefined;
    const o = { signal: opts.signal, cancellation: opts.cancellation, timeoutMs, metadata };
    let startedAt = 0;
    try {
      const out = await balancer.run(
        (c) => {
          startedAt = performance.now();
          return call(c, bytes, o);
        },
        {
          idempotent: idempotent.has(method),
          signal: opts.signal,
          classify: (err) => (deadlineSpent(err, startedAt, timeoutMs) ? "timeout" : classifyFailure(err)),
        },
      );
      rpc.end(0);
      return out;
    } catch (err) {
      const e = toConnectError(err);
      rpc.end(ConnectError.from(e).code, e);
      throw e;
    }
  }

  const malformed = (err: unknown) =>
    new ConnectError(`malformed HTTPResponse: ${(err as Error).message}`, Code.Internal);

  async function handle(
    init: MessageInitShape<typeof HTTPRequestSchema>,
    opts: CallOptions = {},
  ): Promise<HTTPResponse> {
    const out = await send(init, opts, (c, bytes, o) => c.unary(HANDLE_PATH, bytes, o));
    try {
      return decodeHTTPResponse(out);
    } catch (err) {
      throw malformed(err);
    }
  }

  async function roundTrip(
    init: MessageInitShape<typeof HTTPRequestSchema>,
    opts?: CallOptions,
  ): Promise<HTTPResponse> {
    try {
      return await handle(init, opts);
    } catch (err) {
      const resp = httpResponseFromError(err);
      if (resp) return resp;
      throw err;
    }
  }

  /** The forwarder's path: the body stays in the blocks it was received in, written back from there. */
  async function roundTripPieces(
    init: MessageInitShape<typeof HTTPRequestSchema>,
    opts: CallOptions = {},
    parent?: Context,
  ): Promise<PiecesResponse> {
    let got: ReceivedPieces;
    try {
      got = await send(init, opts, (c, bytes, o) => c.unaryPieces(HANDLE_PATH, bytes, o), parent);
    } catch (err) {
      const resp = httpResponseFromError(err);
      if (resp) return { resp, body: [resp.body] };
      throw err;
    }
    const { pieces, release } = got;
    let total = 0;
    for (const p of pieces) total += p.length;
    try {
      const split = decodeHTTPResponsePieces(pieces, total);
      if (split) return { ...split, release };
      const resp = decodeHTTPResponse(Buffer.concat(pieces, total));
      release();
      return { resp, body: [resp.body] };
    } catch (err) {
      release();
      throw malformed(err);
    }
  }

  return { handle, roundTrip, roundTripPieces, balancer, maxBodyBytes: max, close: () => balancer.close() };
}

/** The HTTP status and short text for a call that failed without an httpgrpc response. */
export function httpStatusForError(err: unknown): { status: number; message: string } {
  const ce = ConnectError.from(err);
  const why = ce.rawMessage.split("\n")[0].slice(0, 300);
  switch (ce.code) {
    case Code.Unavailable:
      return { status: 503, message: `backend unavailable: ${why}` };
    case Code.DeadlineExceeded:
      return { status: 504, message: `backend timed out: ${why}` };
    case Code.ResourceExhausted:
      return { status: 413, message: `too large: ${why}` };
    case Code.InvalidArgument:
      return { status: 400, message: `bad request: ${why}` };
    case Code.Canceled:
      return { status: 499, message: `canceled: ${why}` };
    default:
      return { status: 502, message: `bad gateway (${Code[ce.code] ?? ce.code}): ${why}` };
  }
}

export interface ForwarderOptions {
  /** Deadline of each forwarded call, in ms. Default the client's timeoutMs. */
  timeoutMs?: number;
  /** The tenant of a request; sent as x-scope-orgid metadata. Default its X-Scope-OrgID header. */
  tenant?(req: IncomingMessage): string | undefined;
}

class TooLarge extends Error {}

// For request objects without Node's headersDistinct getter (in-memory injections).
function distinctFromRaw(raw: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    out[name] ??= [];
    out[name].push(raw[i + 1]);
  }
  return out;
}

/**
 * The headers to forward: one entry per name with all its values, without Host and hop-by-hop
 * headers. req.headers is the source of truth, because middleware edits it (an auth layer
 * replacing X-Scope-OrgID, removing Authorization); the separate values of a header Node joined
 * with ", " are taken from the raw headers only while req.headers still holds exactly that join.
 */
function forwardedHeaders(req: IncomingMessage): { key: string; values: string[] }[] {
  // Built only for a value that could be a join (Node builds headersDistinct on first use).
  let distinct: Record<string, string[] | undefined> | undefined;
  const conn = req.headers.connection;
  const hop = hopByHopNames(conn === undefined ? undefined : [conn]);
  const out: { key: string; values: string[] }[] = [];
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || k === "host" || hop.has(k)) continue;
    let values: string[];
    if (Array.isArray(v)) values = v;
    else if (!v.includes(k === "cookie" ? ";" : ",")) values = [v];
    else {
      distinct ??= req.headersDistinct ?? distinctFromRaw(req.rawHeaders);
      const d = distinct[k];
      values = d && d.length > 1 && d.join(k === "cookie" ? "; " : ", ") === v ? d : [v];
    }
    out.push({ key: canonicalHeaderKey(k), values });
  }
  return out;
}

const NO_BODY = new Uint8Array(0);

function readBody(req: IncomingMessage, max: number): Promise<Uint8Array> {
  const pre = (req as { body?: unknown }).body;
  // A body parser ran before us: use what it read.
  if (req.readableEnded && (pre instanceof Uint8Array || typeof pre === "string")) {
    const b = typeof pre === "string" ? Buffer.from(pre) : pre;
    return b.byteLength > max ? Promise.reject(new TooLarge()) : Promise.resolve(b);
  }
  const length = req.headers["content-length"];
  // HTTP/1.1 (RFC 9112 §6.3): a request with neither Content-Length nor Transfer-Encoding has no
  // body. Most requests (GETs) are answered without waiting for the stream's 'end'.
  if (req.httpVersionMajor === 1 && req.headers["transfer-encoding"] === undefined && (length ?? "0") === "0")
    return Promise.resolve(NO_BODY);
  const declared = Number(length);
  if (declared > max) return Promise.reject(new TooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (c: Buffer) => {
      total += c.length;
      if (total > max) {
        cleanup();
        req.pause();
        reject(new TooLarge());
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

function sendText(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = Buffer.from(`${message}\n`);
  const h: Record<string, string | number> = {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": body.length,
  };
  res.writeHead(status, h);
  res.end(body);
}

/**
 * Writes an HTTPResponse to a Node response: status, every header (hop-by-hop dropped), body
 * (resp.body, or `body` when given: the same bytes in pieces).
 */
export function writeHTTPResponse(
  res: ServerResponse,
  resp: HTTPResponse,
  body: readonly Uint8Array[] = [resp.body],
): void {
  const hop = hopByHopNames(resp.headers.find((h) => h.key.toLowerCase() === "connection")?.values);
  for (const h of resp.headers) {
    const lower = h.key.toLowerCase();
    if (hop.has(lower) || lower === "content-length") continue;
    res.setHeader(h.key, h.values.length === 1 ? h.values[0] : h.values);
  }
  const status = resp.Code >= 200 && resp.Code <= 999 ? resp.Code : resp.Code === 0 ? 200 : 502;
  const noBody = status === 204 || status === 304;
  let length = 0;
  for (const b of body) length += b.byteLength;
  if (!noBody) res.setHeader("Content-Length", length);
  res.writeHead(status);
  if (noBody || body.length <= 1) return void res.end(noBody ? undefined : body[0]);
  // The pieces go out in one writev: end() uncorks.
  res.cork();
  for (const b of body) res.write(b);
  res.end();
}

/**
 * Calls `release` once `res` no longer refers to what was written to it: on 'finish' (the last
 * write's callback ran, so the socket handed every byte to the kernel) or on 'close' (the socket
 * is gone, its writes cancelled). Only for a response on a real socket: a response not attached
 * to one yet (HTTP/1.1 pipelining queues it), or on another kind of stream that may keep the
 * buffers, never releases, and its blocks are left to the GC.
 */
function releaseWhenWritten(res: ServerResponse, release: () => void): void {
  if (!(res.socket instanceof Socket)) return;
  const done = () => {
    res.off("finish", done);
    res.off("close", done);
    release();
  };
  res.on("finish", done);
  res.on("close", done);
}

/**
 * A Node HTTP handler, usable as Express middleware, that forwards each request over httpgrpc:
 * method, raw request-target, every header but Host and hop-by-hop ones (one entry per name,
 * all values), and the body. It replays the backend's response, including httpgrpc errors
 * (e.g. a 503 with its headers and body); other failures become 503 (unavailable, no
 * endpoints), 504 (deadline), 413 (too large) or 502, with a short text body.
 * (Go answers 500 with the error text for all of those.)
 */
export function createForwarder(
  client: HTTPClient,
  options: ForwarderOptions = {},
): (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void {
  const tenantOf =
    options.tenant ??
    ((req: IncomingMessage) => {
      const v = req.headers["x-scope-orgid"];
      return Array.isArray(v) ? v[0] : v;
    });
  const roundTrip: NonNullable<HTTPClient["roundTripPieces"]> =
    client.roundTripPieces?.bind(client) ??
    (async (init, opts) => {
      // Another HTTPClient may know only `signal`.
      const resp = await client.roundTrip(init, { ...opts, signal: opts?.signal ?? opts?.cancellation?.signal });
      return { resp, body: [resp.body] };
    });
  return (req, res) => {
    void (async () => {
      let body: Uint8Array;
      try {
        body = await readBody(req, client.maxBodyBytes);
      } catch (err) {
        if (err instanceof TooLarge) {
          // The rest of the body is never read; the connection closes once the 413 is out.
          closeAfterUnreadBody(req, res, client.maxBodyBytes);
          return sendText(res, 413, `request body exceeds ${client.maxBodyBytes} bytes`);
        }
        return sendText(res, 400, "could not read the request body");
      }
      const headers = forwardedHeaders(req);
      const cancellation = new Cancellation();
      const onClose = () => {
        if (!res.writableFinished) cancellation.cancel(new Error("client went away"));
      };
      res.once("close", onClose);
      const tenant = tenantOf(req);
      const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? "/";
      try {
        const out = await roundTrip(
          { method: req.method ?? "GET", url, headers, body },
          {
            cancellation,
            timeoutMs: options.timeoutMs,
            headers: tenant ? { "x-scope-orgid": tenant } : undefined,
          },
          forwardedParent(req.headers),
        );
        if (cancellation.cancelled) return out.release?.();
        writeHTTPResponse(res, out.resp, out.body);
        if (out.release) releaseWhenWritten(res, out.release);
      } catch (err) {
        if (cancellation.cancelled) return;
        const { status, message } = httpStatusForError(err);
        sendText(res, status, message);
      } finally {
        res.off("close", onClose);
      }
    })();
  };
}
