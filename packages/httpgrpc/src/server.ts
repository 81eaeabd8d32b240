/**
 * Server adapter: serves any Node HTTP handler ((req, res) => void: Express, node:http, Koa's
 * callback(), Fastify's routing) or fetch-style handler ((Request) => Response: Hono's app.fetch)
 * as httpgrpc.HTTP/Handle.
 *
 * Two ways to serve it:
 * - createHTTPServer(): a plaintext HTTP/2 gRPC server of its own (@acme/h2's gRPC server), which
 *   also serves grpc.health.v1.Health on its port;
 * - httpgrpcRoutes() / createHTTPServiceImpl(): mount it on an existing Connect router.
 *
 * Why createHTTPServer is not built on @connectrpc/connect-node: a spike showed Connect does
 * carry non-canonical codes (grpc-status: 500 with a matching grpc-status-details-bin, decoded by
 * grpc-js), so it is correct; but measured on loopback a Connect unary call cost ~3-5 ms and a
 * connection topped out at a few hundred calls/s, 5-10x a bare node:http2 round trip, which made
 * httpgrpc slower than the HTTP/1.1 proxies it replaces (bench/httpgrpc.ts). The one unary method
 * needs little of Connect, so it is served on @acme/h2 (our own bounded HTTP/2 stack), following
 * grpc-go's wire format.
 */
import * as net from "node:net";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { errorFromHTTPResponse } from "./errors.js";
import { createFetchInvoker, type FetchHandler } from "./fetch-handler.js";
import { HTTP, HTTPResponseSchema, type Header, type HTTPRequest, type HTTPResponse } from "./gen.js";
import { httpgrpcContext, type HttpgrpcContext } from "./handler-context.js";
import { canonicalHeaderKey, headerProblem, hopByHopNames, methodProblem, urlProblem } from "./http-rules.js";
import { DEFAULT_MAX_BODY_BYTES, MESSAGE_OVERHEAD_BYTES } from "./limits.js";
import { BodyTooLargeError, createNodeInvoker, type CapturedResponse, type NodeCallInput } from "./node-handler.js";
import {
  attachGrpcServer,
  Cancellation,
  connectServiceMethods,
  type GrpcMethod,
  metadataFromHeaders,
  recordFromFields,
} from "@acme/h2";
import { createHealthService, Health, HealthStatusRegistry } from "@acme/grpc-health";
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, type Http1Handler, type ListenAddress, listenOn } from "@acme/h2/node-server";
import { decodeHTTPRequest, encodeHTTPResponsePieces } from "./wire/codec.js";
import { observeHandle, traced } from "./tracing.js";

export { httpgrpcContext, type HttpgrpcContext, type Http1Handler, type FetchHandler };
/** @deprecated The same type as Http1Handler, the name every package of ours uses for it. */
export type NodeHandler = Http1Handler;

/** A Node (req, res) handler, a fetch-style function, or an object with a fetch method (a Hono app). */
export type AnyHandler = Http1Handler | FetchHandler | { fetch: FetchHandler };

export interface HTTPServerOptions {
  /** Maximum request and response body size. Default 4 MiB (gRPC's default message limit). */
  maxBodyBytes?: number;
  /** Return 4xx responses as gRPC errors too (dskit's WithReturn4XXErrors). Default false. */
  return4XXErrors?: boolean;
  /**
   * How the handler is called. Default "auto": an object with fetch() or a function declaring one
   * parameter is fetch-style; any other function (Express apps declare three) is a Node handler.
   */
  handlerKind?: "auto" | "node" | "fetch";
  /** Called when the handler throws or fails; the caller gets HTTP 500. */
  onHandlerError?(err: unknown, req: HTTPRequest): void;
  /**
   * The statuses grpc.health.v1.Health serves on createHTTPServer's port (default: a new
   * registry, where "" (the whole server) is SERVING). Pass one to share it with other servers.
   */
  health?: HealthStatusRegistry;
  /** Default time shutdown() and close() let in-flight calls finish (10 000 ms, as @acme/platform). */
  shutdownTimeoutMs?: number;
}

function invokerFor(
  handler: AnyHandler,
  kind: HTTPServerOptions["handlerKind"],
): (i: NodeCallInput) => Promise<CapturedResponse> {
  if (typeof handler === "object" && handler !== null && typeof handler.fetch === "function") {
    const app = handler;
    return createFetchInvoker((r) => app.fetch(r));
  }
  if (typeof handler !== "function")
    throw new TypeError("httpgrpc server: handler must be a function or an object with fetch()");
  if (kind === "fetch" || (kind !== "node" && handler.length === 1)) return createFetchInvoker(handler as FetchHandler);
  return createNodeInvoker(handler as Http1Handler);
}

const invalid = (msg: string) => new ConnectError(msg, Code.InvalidArgument);

/** What a call tells the core about itself, from whichever server runs it. */
interface CallInfo {
  cancellation: Cancellation;
  timeoutMs: number | undefined;
  requestHeader: Headers;
  /** One metadata value, without building requestHeader. */
  metadataValue(name: string): string | undefined;
}

/**
 * The core of httpgrpc.HTTP/Handle for a handler: validates the request, runs the handler and
 * turns its response into a reply, or into an httpgrpc error (a ConnectError whose code is the
 * HTTP status). Differences from Go, by design: a bad method, URL or header is INVALID_ARGUMENT
 * (Go: Unknown); a body over maxBodyBytes is RESOURCE_EXHAUSTED.
 */
function createHandle(
  handler: AnyHandler,
  options: HTTPServerOptions,
): (req: HTTPRequest, ctx: CallInfo) => Promise<HTTPResponse> {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const invoke = invokerFor(handler, options.handlerKind ?? "auto");
  const errorFrom = options.return4XXErrors ? 400 : 500;

  return async function handle(req: HTTPRequest, ctx: CallInfo): Promise<HTTPResponse> {
    const method = req.method === "" ? "GET" : req.method;
    const problem = methodProblem(method) ?? urlProblem(req.url);
    if (problem) throw invalid(problem);
    if (req.body.byteLength > max) {
      throw new ConnectError(
        `request body of ${req.body.byteLength} bytes exceeds the limit of ${max} bytes`,
        Code.ResourceExhausted,
      );
    }
    const headers: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
    const conn = req.headers.filter((h) => h.key.toLowerCase() === "connection").flatMap((h) => h.values);
    const hop = hopByHopNames(conn);
    for (let i = 0; i < req.headers.length; i++) {
      const h = req.headers[i];
      const p = headerProblem(h, i);
      if (p) throw invalid(p);
      const lower = h.key.toLowerCase();
      // The body is complete: its framing headers are recomputed, not trusted.
      if (hop.has(lower) || lower === "content-length") continue;
      // As Go's http.Header: a later duplicate key replaces an earlier one.
      headers[lower] = h.values;
    }
    if (!headers["x-scope-orgid"]) {
      const org = ctx.metadataValue("x-scope-orgid");
      // The tenant becomes a header the handler trusts: it gets the same checks as the others.
      if (org && /[\0\r\n]/.test(org)) throw invalid("x-scope-orgid metadata contains CR, LF or NUL");
      if (org) headers["x-scope-orgid"] = [org];
    }
    const timeoutMs = ctx.timeoutMs;
    const hctx: HttpgrpcContext = {
      get signal() {
        return ctx.cancellation.signal;
      },
      deadline: timeoutMs === undefined ? undefined : Date.now() + timeoutMs,
      get metadata() {
        return ctx.requestHeader;
      },
    };

    let captured: CapturedResponse;
    try {
      captured = await invoke({
        method,
        url: req.url,
        headers,
        body: req.body,
        ctx: hctx,
        cancellation: ctx.cancellation,
        maxResponseBytes: max,
      });
    } catch (err) {
      if (ctx.cancellation.cancelled) throw ConnectError.from(ctx.cancellation.reason, Code.Canceled);
      if (err instanceof BodyTooLargeError) throw new ConnectError(err.message, Code.ResourceExhausted);
      options.onHandlerError?.(err, req);
      throw errorFromHTTPResponse(
        create(HTTPResponseSchema, {
          Code: 500,
          headers: [{ key: "Content-Type", values: ["text/plain; charset=utf-8"] }],
          body: new TextEncoder().encode("Internal Server Error\n"),
        }),
        "handler failed",
      );
    }

    const hopOut = hopByHopNames(captured.headers.find((h) => h.key.toLowerCase() === "connection")?.values);
    let errorMessage: string | undefined;
    const outHeaders: Header[] = [];
    for (const h of captured.headers) {
      const lower = h.key.toLowerCase();
      if (hopOut.has(lower)) continue;
      if (lower === "x-donotlogerror") continue;
      if (lower === "x-errormessage") {
        if (h.values[0]) errorMessage = h.values[0];
        continue;
      }
      outHeaders.push({ $typeName: "httpgrpc.Header", key: canonicalHeaderKey(h.key), values: h.values });
    }
    // A literal rather than create(HTTPResponseSchema, …), whose reflection showed in the
    // backend's profile; every field is set.
    const resp: HTTPResponse = {
      $typeName: "httpgrpc.HTTPResponse",
      Code: captured.status || 200,
      headers: outHeaders,
      body: captured.body,
    };
    if (resp.Code >= errorFrom) throw errorFromHTTPResponse(resp, errorMessage);
    return resp;
  };
}

/** The implementation of httpgrpc.HTTP for a handler, for router.service(HTTP, impl) on a Connect router. */
export function createHTTPServiceImpl(handler: AnyHandler, options: HTTPServerOptions = {}): ServiceImpl<typeof HTTP> {
  const handle = createHandle(handler, options);
  return {
    handle: (req: HTTPRequest, ctx: HandlerContext) =>
      handle(req, {
        cancellation: new Cancellation(ctx.signal),
        timeoutMs: ctx.timeoutMs(),
        requestHeader: ctx.requestHeader,
        metadataValue: (name) => ctx.requestHeader.get(name) ?? undefined,
      }),
  };
}

/**
 * Connect routes serving httpgrpc.HTTP for a handler, to mount beside other services. Set the
 * adapter's readMaxBytes/writeMaxBytes to maxBodyBytes plus room for headers.
 */
export function httpgrpcRoutes(handler: AnyHandler, options: HTTPServerOptions = {}): (router: ConnectRouter) => void {
  const impl = createHTTPServiceImpl(handler, options);
  return (router) => {
    router.service(HTTP, impl);
  };
}

export interface HTTPServer {
  /** The TCP server; each connection speaks HTTP/2 with prior knowledge (h2c). */
  readonly server: net.Server;
  /** The statuses grpc.health.v1.Health serves on the port: setStatus(), shutdown(), resume(). */
  readonly health: HealthStatusRegistry;
  /**
   * Listens (default 127.0.0.1, a random port) and resolves with the bound address, as
   * @acme/platform's listen() does: `{ port, host, url }`. (`address` and `family`, from the
   * AddressInfo it used to return, are still there but deprecated: use `host`.)
   */
  listen(port?: number, host?: string): Promise<ListenAddress & { address: string; family: string }>;
  /**
   * Graceful shutdown: stops accepting, turns every health status NOT_SERVING and ends Watch
   * streams (after they are sent that), sends GOAWAY on every connection, and gives in-flight
   * calls up to `timeoutMs` (default the server's shutdownTimeoutMs, 10 000 ms, as
   * @acme/platform) to finish before their connections are cut; resolves when closed.
   */
  shutdown(options?: { timeoutMs?: number }): Promise<void>;
  /** shutdown() with the default timeout. */
  close(): Promise<void>;
}

/**
 * A plaintext HTTP/2 (h2c) gRPC server serving httpgrpc.HTTP/Handle for a handler, and
 * grpc.health.v1.Health (Check, Watch, List) on the same port, as a grpc-go/dskit backend does.
 */
export function createHTTPServer(handler: AnyHandler, options: HTTPServerOptions = {}): HTTPServer {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const handle = createHandle(handler, options);
  const health = options.health ?? new HealthStatusRegistry();
  const server = net.createServer();
  const handleMethod: GrpcMethod = {
    kind: "unary",
    async impl(bytes, call) {
      let req: HTTPRequest;
      try {
        req = decodeHTTPRequest(bytes);
      } catch (err) {
        throw new ConnectError(`malformed HTTPRequest: ${(err as Error).message}`, Code.InvalidArgument);
      }
      let metadata: Headers | undefined;
      const info: CallInfo = {
        cancellation: call.cancellation,
        timeoutMs: call.timeoutMs,
        metadataValue(name) {
          let out: string | undefined;
          for (const [k, v] of call.headers) if (k === name) out = out === undefined ? v : `${out}, ${v}`;
          return out;
        },
        // Built on first use: most calls never read it, and Headers objects are not cheap.
        get requestHeader() {
          metadata ??= metadataFromHeaders(recordFromFields(call.headers));
          return metadata;
        },
      };
      return encodeHTTPResponsePieces(await traced(observeHandle(call.headers, req), () => handle(req, info)));
    },
  };
  const connections = attachGrpcServer(server, {
    methods: new Map([
      ["/httpgrpc.HTTP/Handle", handleMethod],
      ...connectServiceMethods(Health, createHealthService(health)),
    ]),
    // Request metadata is small; 256 KiB leaves room for large tokens and cookies.
    maxHeaderListBytes: 256 * 1024,
    maxMessageBytes: max + MESSAGE_OVERHEAD_BYTES,
  });
  const shutdown = ({ timeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS } = {}) =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      // Watchers hear NOT_SERVING, then their streams end with OK, so the drain can finish.
      health.shutdown();
      health.endWatches();
      for (const c of connections) c.goaway();
      // Connections still busy when the timeout runs out are cut.
      setTimeout(() => {
        for (const c of connections) c.destroy(new Error("server closed"));
      }, timeoutMs).unref();
    });
  return {
    server,
    health,
    async listen(port = 0, host = "127.0.0.1") {
      const at = await listenOn(server, port, host, "http");
      const { family } = server.address() as net.AddressInfo;
      return { ...at, address: at.host, family };
    },
    shutdown,
    close: () => shutdown(),
  };
}
