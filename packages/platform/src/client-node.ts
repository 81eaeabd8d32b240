// @acme/platform/client/node: createClient for Node on @connectrpc/connect-node,
// with all three protocols and trace propagation from the call being served.
import type { DescService } from "@bufbuild/protobuf";
import type { Client, Interceptor } from "@connectrpc/connect";
import * as http from "node:http";
import * as https from "node:https";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
  Http2SessionManager,
} from "@connectrpc/connect-node";
import { createBalancedTransport, toConnectError, type ClosableTransport } from "@acme/balancer";
import { buildClient, buildTransport } from "./client/build-client.js";
import type { BalanceFn, ClientOptions, TransportFactory } from "./client/options.js";
import { context as otelContext } from "@opentelemetry/api";
import { currentCallContext } from "./trace-scope.js";

export type { ClientOptions, Protocol } from "./client/options.js";
export { isRetryable, retryInterceptor, type RetryOptions } from "./client/retry-interceptor.js";
export { clientTraceInterceptor } from "./client/trace-interceptor.js";

export interface NodeClientOptions extends ClientOptions {
  /** Default "2" for grpc (required), "1.1" for connect and grpc-web; "2" over http:// is h2c prior knowledge. */
  httpVersion?: "1.1" | "2";
}

/**
 * The context a Node call starts from: the call being served (which carries
 * its trace and request id), else whatever context is active.
 */
const callOrActiveContext = () => currentCallContext() ?? otelContext.active();

/**
 * An HTTP/2 stream the server refused (REFUSED_STREAM, e.g. on a connection
 * it is closing) was never processed: that is UNAVAILABLE, which callers and
 * the retry interceptor may safely retry, not the INTERNAL connect-node reports.
 * @acme/balancer's toConnectError reads the failure (its H2_FAILURES table).
 */
export const refusedStreamIsUnavailable: Interceptor = (next) => async (req) => {
  try {
    return await next(req);
  } catch (err) {
    throw toConnectError(err);
  }
};

/**
 * Each transport owns its connections (its own keep-alive agent or HTTP/2
 * session manager) and can close them: clients don't share a pooled socket
 * that another client left to a server that has since gone away, and the
 * balancer frees an endpoint's connections when the endpoint leaves.
 */
function nodeTransport(httpVersion: "1.1" | "2" | undefined): TransportFactory {
  return (baseUrl, { protocol, binary, interceptors }) => {
    const common = { baseUrl, useBinaryFormat: binary, interceptors };
    const version = protocol === "grpc" ? "2" : (httpVersion ?? "1.1");
    if (version === "2") {
      const sessionManager = new Http2SessionManager(baseUrl);
      const init = { ...common, httpVersion: "2" as const, sessionManager };
      const t =
        protocol === "grpc"
          ? createGrpcTransport(init)
          : protocol === "grpc-web"
            ? createGrpcWebTransport(init)
            : createConnectTransport(init);
      return Object.assign(t, { close: async () => sessionManager.abort() });
    }
    const agent = baseUrl.startsWith("https:")
      ? new https.Agent({ keepAlive: true })
      : new http.Agent({ keepAlive: true });
    const init = { ...common, httpVersion: "1.1" as const, nodeOptions: { agent } };
    const t = protocol === "grpc-web" ? createGrpcWebTransport(init) : createConnectTransport(init);
    return Object.assign(t, { close: async () => agent.destroy() });
  };
}

/**
 * Several endpoints go through @acme/balancer: persistent connections to
 * each, round robin or least outstanding, ejection of failing endpoints, and
 * retries on another endpoint when nothing was sent or the method is
 * idempotent. The endpoints must share scheme and path.
 */
const balance: BalanceFn = (urls, createTransport, { policy, maxAttempts }) => {
  const parsed = urls.map((u) => new URL(u));
  const scheme = parsed[0].protocol;
  const prefix = parsed[0].pathname.replace(/\/$/, "");
  for (const u of parsed) {
    if (u.protocol !== scheme || u.pathname.replace(/\/$/, "") !== prefix) {
      throw new Error(
        `createClient: endpoints must share scheme and path; ${JSON.stringify(u.href)} differs from ${JSON.stringify(parsed[0].href)}`,
      );
    }
  }
  return createBalancedTransport({
    target: parsed.map((u) => `${u.hostname}:${u.port || (scheme === "https:" ? "443" : "80")}`),
    scheme: scheme === "https:" ? "https" : "http",
    pathPrefix: prefix,
    createTransport,
    policy: policy ?? "round_robin",
    maxAttempts,
    // withDefaultDeadlines, around this transport, gives each call the client's deadline (none
    // when it says 0); the balancer adds no default of its own, which would replace that none.
    timeoutMs: 0,
  });
};

/** A typed client for `service` with the platform's deadline, mesh header, retries and trace propagation. */
export function createClient<S extends DescService>(service: S, options: NodeClientOptions): Client<S> {
  return buildClient(service, options, {
    makeTransport: nodeTransport(options.httpVersion),
    interceptors: [refusedStreamIsUnavailable],
    balance,
    parentContext: callOrActiveContext,
  });
}

/**
 * The transport createClient would use, for code that builds its own clients.
 * With several endpoints it has close(), which ends the balancer's connections.
 */
export function createPlatformTransport(options: NodeClientOptions): ClosableTransport {
  return buildTransport(options, {
    makeTransport: nodeTransport(options.httpVersion),
    interceptors: [refusedStreamIsUnavailable],
    balance,
    parentContext: callOrActiveContext,
  });
}
export { BadRequestSchema, type BadRequest } from "./validation/gen.js";
