import type * as http from "node:http";
import * as http2 from "node:http2";
import {
  Code,
  ConnectError,
  createConnectRouter,
  createContextValues,
  type ConnectRouter,
  type ConnectRouterOptions,
} from "@connectrpc/connect";
import { universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";
import type { UniversalServerRequest } from "@connectrpc/connect/protocol";
import { authDecisionKey, type AuthDecision } from "./interceptors/auth-interceptor.js";
import { closeAfterUnreadBody } from "@acme/h2/node-server";
import type { Logger } from "./logger.js";
import type { NodeRequest, NodeResponse } from "@acme/h2/node-server";

export interface RpcAdapterOptions extends ConnectRouterOptions {
  routes(router: ConnectRouter): void;
  /** Requests no RPC route matches (default 404). */
  fallback?: (req: NodeRequest, res: NodeResponse) => void;
  /** Decides from the headers whether a call may go on, before any of its body is read. */
  authorize?: (service: string, procedure: string, header: Headers) => Promise<AuthDecision>;
  logger: Logger;
}

/**
 * connectNodeAdapter, plus one step before Connect sees the request: the
 * auth decision is made from the headers alone. Connect reads (and inflates)
 * a unary request's whole body before any interceptor runs, so a refused call
 * gets an empty message of its own content type in place of its body; the
 * interceptors, the auth one included, then run as for any call (logged,
 * traced, refused with UNAUTHENTICATED) and not one byte of the real body is
 * read.
 */
export function rpcAdapter(options: RpcAdapterOptions): (req: NodeRequest, res: NodeResponse) => void {
  const router = createConnectRouter(options);
  options.routes(router);
  const paths = new Map(router.handlers.map((h) => [h.requestPath, h]));
  return (req, res) => {
    const uHandler = paths.get(req.url?.split("?", 2)[0] ?? "");
    if (!uHandler) {
      (options.fallback ?? notFound)(req, res);
      return;
    }
    const contextValues = createContextValues();
    const uReq = universalRequestFromNodeRequest(
      req as http.IncomingMessage,
      res as http.ServerResponse,
      undefined,
      contextValues,
    );
    const run = (r: UniversalServerRequest) =>
      uHandler(r)
        .then((uRes) => {
          // Answered before the body was read (refused, or over readMaxBytes): the peer is told to stop sending.
          if (!req.complete) {
            if (req.httpVersionMajor === 1)
              closeAfterUnreadBody(req as http.IncomingMessage, res as http.ServerResponse, options.readMaxBytes ?? 0);
            else resetAfterResponse(res as http2.Http2ServerResponse);
          }
          return universalResponseToNodeResponse(uRes, res as http.ServerResponse);
        })
        .catch((reason: unknown) => {
          if (ConnectError.from(reason).code === Code.Aborted) return;
          options.logger.error("rpc handler failed", { method: uHandler.requestPath, error: String(reason) });
        });
    if (!options.authorize) return void run(uReq);
    const decision = options.authorize(uHandler.service.typeName, uHandler.requestPath, uReq.header);
    contextValues.set(authDecisionKey, decision);
    decision.then(
      (d) => run(typeof d === "object" && "error" in d ? withoutBody(uReq) : uReq),
      () => run(withoutBody(uReq)),
    );
  };
}

/**
 * HTTP/2: ends a stream whose response went out before its request body was read with RST_STREAM
 * NO_ERROR once the response is complete (RFC 9113 §8.1), so that the peer stops sending and the
 * stream no longer counts against maxConcurrentStreams. Node does this itself only when nothing of
 * the body was buffered; else the stream stays open, its unread body held, until the peer resets
 * it, and a node:http2 client's own CANCEL can stay queued unsent for good, so neither side ever
 * closes the stream. Compat responses always wait for trailers: Node sends them on a setImmediate
 * queued from its 'wantTrailers' listener, so one queued after it runs once they are out.
 */
function resetAfterResponse(res: http2.Http2ServerResponse): void {
  const stream = res.stream;
  stream.once("wantTrailers", () =>
    setImmediate(() => {
      if (!stream.destroyed && !stream.closed) stream.close(http2.constants.NGHTTP2_NO_ERROR);
    }),
  );
}

const notFound = (_req: NodeRequest, res: NodeResponse) => {
  res.writeHead(404);
  res.end();
};

const JSON_TYPE = /^application\/(?:json|grpc\+json|grpc-web\+json|connect\+json)\b/i;
const ENVELOPED_TYPE = /^application\/(?:grpc|grpc-web|connect\+)/i;

/** The request with an empty message of its content type as its body; the real body stays unread. */
function withoutBody(uReq: UniversalServerRequest): UniversalServerRequest {
  const type = uReq.header.get("content-type") ?? "";
  const message = JSON_TYPE.test(type) ? new TextEncoder().encode("{}") : new Uint8Array(0);
  let body = message;
  if (ENVELOPED_TYPE.test(type)) {
    body = new Uint8Array(5 + message.length); // flags 0 (not compressed), then the length, big-endian
    new DataView(body.buffer).setUint32(1, message.length);
    body.set(message, 5);
  }
  const header = new Headers(uReq.header);
  header.delete("content-encoding"); // our stand-in is not compressed
  if (uReq.method === "POST") header.set("content-length", String(body.length));
  return {
    ...uReq,
    header,
    body: (async function* () {
      if (uReq.method === "POST") yield body;
    })(),
  };
}
