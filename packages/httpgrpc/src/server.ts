/**
 * Server adapter: serves any Node HTTP handler ((req, res) => void: Express, node:http, Koa's
 * callback(), Fastify's routing) or fetch-style handler ((Request) => Response: Hono's app.fetch)
 * as httpgrpc.HTTP/Handle.
 *
 * Built on @connectrpc/connect-node. We checked first (spike, then test/interop.test.ts) that it
 * sends an HTTP status as the gRPC code (grpc-status: 500) with a matching
 * grpc-status-details-bin, which @grpc/grpc-js clients decode; so no hand-written HTTP/2 framing
 * is needed. It also gives deadlines (grpc-timeout → context.signal), cancellation and message
 * size limits (readMaxBytes) on the gRPC side.
 */
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { errorFromHTTPResponse } from "./errors.js";
import { createFetchInvoker, type FetchHandler } from "./fetch-handler.js";
import { HTTP, HTTPResponseSchema, type HTTPRequest, type HTTPResponse } from "./gen.js";
import { httpgrpcContext, type HttpgrpcContext } from "./handler-context.js";
import { canonicalHeaderKey, headerProblem, hopByHopNames, methodProblem, urlProblem } from "./http-rules.js";
import { DEFAULT_MAX_BODY_BYTES, MESSAGE_OVERHEAD_BYTES } from "./limits.js";
import { BodyTooLargeError, createNodeInvoker, type CapturedResponse, type NodeCallInput, type NodeHandler } from "./node-handler.js";

export { httpgrpcContext, type HttpgrpcContext, type NodeHandler, type FetchHandler };

/** A Node (req, res) handler, a fetch-style function, or an object with a fetch method (a Hono app). */
export type AnyHandler = NodeHandler | FetchHandler | { fetch: FetchHandler };

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
}

function invokerFor(handler: AnyHandler, kind: HTTPServerOptions["handlerKind"]): (i: NodeCallInput) => Promise<CapturedResponse> {
  if (typeof handler === "object" && handler !== null && typeof handler.fetch === "function") {
    const app = handler;
    return createFetchInvoker((r) => app.fetch(r));
  }
  if (typeof handler !== "function") throw new TypeError("httpgrpc server: handler must be a function or an object with fetch()");
  if (kind === "fetch" || (kind !== "node" && handler.length === 1)) return createFetchInvoker(handler as FetchHandler);
  return createNodeInvoker(handler as NodeHandler);
}

const invalid = (msg: string) => new ConnectError(msg, Code.InvalidArgument);

/**
 * The implementation of httpgrpc.HTTP for a handler; mount it with router.service(HTTP, impl)
 * or use httpgrpcRoutes() / createHTTPServer().
 *
 * Differences from Go, by design: a bad method, URL or header is INVALID_ARGUMENT (Go: Unknown);
 * a body over maxBodyBytes is RESOURCE_EXHAUSTED.
 */
export function createHTTPServiceImpl(handler: AnyHandler, options: HTTPServerOptions = {}): ServiceImpl<typeof HTTP> {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const invoke = invokerFor(handler, options.handlerKind ?? "auto");
  const errorFrom = options.return4XXErrors ? 400 : 500;

  return {
    async handle(req: HTTPRequest, ctx: HandlerContext): Promise<HTTPResponse> {
      const method = req.method === "" ? "GET" : req.method;
      const problem = methodProblem(method) ?? urlProblem(req.url);
      if (problem) throw invalid(problem);
      if (req.body.byteLength > max) {
        throw new ConnectError(`request body of ${req.body.byteLength} bytes exceeds the limit of ${max} bytes`, Code.ResourceExhausted);
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
      const org = ctx.requestHeader.get("x-scope-orgid");
      if (org && !headers["x-scope-orgid"]) headers["x-scope-orgid"] = [org];
      const timeoutMs = ctx.timeoutMs();
      const hctx: HttpgrpcContext = {
        signal: ctx.signal,
        deadline: timeoutMs === undefined ? undefined : Date.now() + timeoutMs,
        metadata: ctx.requestHeader,
      };

      let captured: CapturedResponse;
      try {
        captured = await invoke({ method, url: req.url, headers, body: req.body, ctx: hctx, maxResponseBytes: max });
      } catch (err) {
        if (ctx.signal.aborted) throw ConnectError.from(ctx.signal.reason, Code.Canceled);
        if (err instanceof BodyTooLargeError) throw new ConnectError(err.message, Code.ResourceExhausted);
        options.onHandlerError?.(err, req);
        throw errorFromHTTPResponse(
          create(HTTPResponseSchema, { Code: 500, headers: [{ key: "Content-Type", values: ["text/plain; charset=utf-8"] }], body: new TextEncoder().encode("Internal Server Error\n") }),
          "handler failed",
        );
      }

      const hopOut = hopByHopNames(captured.headers.find((h) => h.key.toLowerCase() === "connection")?.values);
      let errorMessage: string | undefined;
      const outHeaders: { key: string; values: string[] }[] = [];
      for (const h of captured.headers) {
        const lower = h.key.toLowerCase();
        if (hopOut.has(lower)) continue;
        if (lower === "x-donotlogerror") continue;
        if (lower === "x-errormessage") {
          if (h.values[0]) errorMessage = h.values[0];
          continue;
        }
        outHeaders.push({ key: canonicalHeaderKey(h.key), values: h.values });
      }
      const resp = create(HTTPResponseSchema, { Code: captured.status || 200, headers: outHeaders, body: captured.body });
      if (resp.Code >= errorFrom) throw errorFromHTTPResponse(resp, errorMessage);
      return resp;
    },
  };
}

/** Connect routes serving httpgrpc.HTTP for a handler. */
export function httpgrpcRoutes(handler: AnyHandler, options: HTTPServerOptions = {}): (router: ConnectRouter) => void {
  const impl = createHTTPServiceImpl(handler, options);
  return (router) => {
    router.service(HTTP, impl);
  };
}

export interface HTTPServer {
  readonly server: http2.Http2Server;
  /** Listens (default 127.0.0.1, a random port) and returns the bound address. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /** Stops accepting, ends open sessions, and resolves when closed. */
  close(): Promise<void>;
}

/** A plaintext HTTP/2 (h2c) gRPC server serving httpgrpc.HTTP/Handle for a handler. */
export function createHTTPServer(handler: AnyHandler, options: HTTPServerOptions = {}): HTTPServer {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const adapter = connectNodeAdapter({
    routes: httpgrpcRoutes(handler, options),
    readMaxBytes: max + MESSAGE_OVERHEAD_BYTES,
    writeMaxBytes: max + MESSAGE_OVERHEAD_BYTES,
  });
  // nghttp2 resets a stream with ENHANCE_YOUR_CALM once a session holds more than
  // maxSessionMemory (default 10 MB) of unprocessed data; let Connect's readMaxBytes answer
  // RESOURCE_EXHAUSTED instead. Connect checks the message length prefix, so nothing big is buffered.
  const server = http2.createServer({ maxSessionMemory: 64 }, adapter);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.once("close", () => sessions.delete(s));
  });
  return {
    server,
    listen(port = 0, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        for (const s of sessions) s.close();
        // Sessions still busy after a grace period are cut.
        setTimeout(() => {
          for (const s of sessions) s.destroy();
        }, 1000).unref();
      });
    },
  };
}
